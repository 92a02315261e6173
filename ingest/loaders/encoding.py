"""Turn the bytes of a text-like file into text: BOMs, strict UTF-8, a declared charset,
then a charset-normalizer guess. Binary data is refused rather than decoded into noise."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from localqa.ingest.loaders.base import LoadError

# UTF-32 LE must be tested before UTF-16 LE: its BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# More control characters than this share of a guessed decoding means it is not text.
_MAX_CONTROL_SHARE = 0.05
_BINARY_ADVICE = "localqa reads text files; convert it to text, PDF or an Office format first"


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text, the codec that produced it, and a warning when it was a guess."""

    text: str
    encoding: str
    warning: str | None = None


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; NUL characters are dropped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def valid_codec(name: str | None) -> str | None:
    """The canonical codec name for `name`, or None when Python does not know it."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _decode_bom(data: bytes) -> Decoded | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), codec)
            except UnicodeDecodeError:
                text = data.decode(codec, errors="replace")
                return Decoded(text, codec, f"invalid {codec} bytes replaced, check the text")
    return None


def _decode_declared(data: bytes, declared: str | None) -> Decoded | None:
    codec = valid_codec(declared)
    if codec is None:
        return None
    try:
        return Decoded(data.decode(codec), codec)
    except UnicodeDecodeError:
        return None


def _guess(data: bytes) -> Decoded:
    best = from_bytes(data).best()
    if best is None:
        raise LoadError("binary or unreadable text", _BINARY_ADVICE)
    text = str(best)
    if len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise LoadError("binary or unreadable text", _BINARY_ADVICE)
    encoding = best.encoding
    return Decoded(text, encoding, f"not UTF-8; decoded as {encoding}, check the text")


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode `data`: BOM, else strict UTF-8, else the `declared` charset (e.g. an HTML
    <meta charset>), else charset-normalizer's best guess (with a warning).

    Raises LoadError when the data is binary (NUL bytes without a UTF-16/32 BOM) or no
    encoding fits. The text is returned as decoded; see `normalise_newlines`."""
    by_bom = _decode_bom(data)
    if by_bom is not None:
        return by_bom
    if b"\x00" in data:
        raise LoadError("binary or unreadable text", _BINARY_ADVICE)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    by_declaration = _decode_declared(data, declared)
    if by_declaration is not None:
        return by_declaration
    return _guess(data)
