"""Zip containers (DOCX, XLSX, PPTX, EPUB), checked before any part is inflated.

Python's zipfile never inflates a part beyond the size the central directory declares
(it stops there and fails the CRC check), so the declared sizes bound what a file can
cost: they are checked against the limits, as is the inflation ratio (a zip bomb packs
hundreds of MB of one repeated byte into a few KB).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from localqa.ingest.loaders.base import LoadError
from localqa.ingest.loaders.common import cannot_read
from localqa.ingest.loaders.limits import LimitReached, Limits, megabytes

_READABLE = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
_METHOD_NAMES = {
    9: "Deflate64",
    10: "PKWARE DCL Implode",
    93: "Zstandard",
    95: "XZ",
    97: "WavPack",
    98: "PPMd",
    99: "AES encryption",
}
# Small parts may compress very well (a styles part of repeated tags); only parts above
# this size are held to the ratio.
RATIO_FLOOR = 1_000_000
_NAME_CHARS = 80


def _name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 3] + "..."


def check_members(members: Iterable[zipfile.ZipInfo], limits: Limits, advice: str) -> None:
    """LoadError for a part that cannot be inflated (unknown method, encrypted), and
    LimitReached for one too big or too compressed, or for too many bytes in all."""
    total = 0
    for info in members:
        part = _name(info)
        if info.compress_type not in _READABLE:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise LoadError(
                f"part {part} is compressed with {method}, which localqa cannot read", advice
            )
        if info.flag_bits & 0x1:
            raise LoadError(f"part {part} is encrypted", advice)
        size = info.file_size
        if size > limits.max_part_bytes:
            raise LimitReached(
                f"part {part} expands to {megabytes(size)}, more than "
                f"{megabytes(limits.max_part_bytes)}",
                "max_part_bytes",
            )
        ratio = size / max(info.compress_size, 1)
        if size > RATIO_FLOOR and ratio > limits.max_zip_ratio:
            raise LimitReached(
                f"part {part} expands {ratio:,.0f} times (to {megabytes(size)}), more than "
                f"{limits.max_zip_ratio} times: a zip bomb?",
                "max_zip_ratio",
            )
        total += size
        if total > limits.max_file_bytes:
            raise LimitReached(
                f"expands to more than {megabytes(limits.max_file_bytes)}", "max_file_bytes"
            )


def check_archive(path: Path, limits: Limits, invalid: LoadError) -> None:
    """`check_members` for the zip at `path`; `invalid` is raised when it is no zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except OSError as err:
        raise cannot_read(err) from err
    except (zipfile.BadZipFile, EOFError, ValueError) as err:
        raise invalid from err
    check_members(members, limits, invalid.advice)
