"""EPUB: container.xml -> OPF package -> spine; each spine document is one page
(page_kind "chapter"), its text extracted as HTML."""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError, fromstring

from localqa.ingest.loaders.archive import check_members
from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import cannot_read, require_text, sensible_title
from localqa.ingest.loaders.html import decode_html, extract_html
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.schema import Page

_CONTAINER = "META-INF/container.xml"
_ENCRYPTION = "META-INF/encryption.xml"
_INVALID = "not a valid EPUB (corrupt or missing its package file)"
_REEXPORT = "re-export it from the original application (e.g. Calibre) and ingest again"
# Font obfuscation is allowed in DRM-free books; anything else encrypted is DRM.
_FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")


@dataclass(frozen=True, slots=True)
class _Book:
    title: str | None
    chapters: tuple[str, ...]  # archive member names, in reading order


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(root: Element, name: str) -> Iterator[Element]:
    return (elem for elem in root.iter() if _local(elem.tag) == name)


def _read_xml(archive: zipfile.ZipFile, name: str) -> Element:
    return fromstring(archive.read(name))


def _package_path(archive: zipfile.ZipFile) -> str:
    for rootfile in _children(_read_xml(archive, _CONTAINER), "rootfile"):
        if full_path := rootfile.get("full-path"):
            return full_path
    raise KeyError("no rootfile in container.xml")


def _parse_package(archive: zipfile.ZipFile) -> _Book:
    opf_path = _package_path(archive)
    package = _read_xml(archive, opf_path)
    base = posixpath.dirname(opf_path)
    manifest = {
        item.get("id", ""): posixpath.normpath(posixpath.join(base, unquote(item.get("href", ""))))
        for item in _children(package, "item")
    }
    chapters = tuple(
        manifest[ref.get("idref", "")]
        for ref in _children(package, "itemref")
        if ref.get("idref", "") in manifest
    )
    title = next((elem.text for elem in _children(package, "title") if elem.text), None)
    return _Book(title=title, chapters=chapters)


def _check_drm(archive: zipfile.ZipFile, chapters: tuple[str, ...]) -> None:
    if _ENCRYPTION not in archive.namelist():
        return
    for data in _children(_read_xml(archive, _ENCRYPTION), "EncryptedData"):
        method = next(_children(data, "EncryptionMethod"), None)
        algorithm = method.get("Algorithm", "") if method is not None else ""
        refs = {ref.get("URI", "") for ref in _children(data, "CipherReference")}
        if algorithm not in _FONT_OBFUSCATION and refs & set(chapters):
            raise LoadError(
                "DRM-protected EPUB",
                "remove the DRM with the seller's tools or "
                "export a DRM-free copy, then ingest again",
            )


def _chapters(path: Path, book: _Book, warnings: list[str]) -> Iterator[Page]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for number, member in enumerate(book.chapters, start=1):
                if member not in names:
                    yield Page(number=number, text="")
                    continue
                markup, decoding = decode_html(archive.read(member))
                warnings.extend(f"chapter {number}: {warning}" for warning in decoding)
                extracted = extract_html(markup)
                yield Page(number=number, text=extracted.text, headings=extracted.headings)
    except (zipfile.BadZipFile, EOFError) as err:
        raise LoadError(f"{_INVALID}: {err}", _REEXPORT) from err
    except OSError as err:
        raise cannot_read(err) from err


def load_epub(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """An e-book: one page per spine document, titled by the package's dc:title."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_members(archive.infolist(), limits, _REEXPORT)
            book = _parse_package(archive)
            _check_drm(archive, book.chapters)
    except (zipfile.BadZipFile, KeyError, ParseError, EOFError) as err:
        raise LoadError(_INVALID, _REEXPORT) from err
    except OSError as err:
        raise cannot_read(err) from err
    if not book.chapters:
        raise LoadError("EPUB has no chapters in its spine", _REEXPORT)
    if len(book.chapters) > limits.max_pages:
        raise LimitReached(f"more than {limits.max_pages:,} chapters", "max_pages")
    warnings: list[str] = []
    pages = require_text(
        _chapters(path, book, warnings), "no text found", "the book has no text (images only?)"
    )
    title = sensible_title(book.title, path.stem)
    return LoadedDocument(title=title, page_kind="chapter", pages=pages, warnings=warnings)
