"""Hostile and broken inputs, built in the test (small: the limits under test are lowered
to match), each the kind of a file from /work/shared/cases/hostile or issue 15."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)


def document_xml(text: str) -> str:
    return (
        f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body>'
        f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:body></w:document>'
    )


def write_docx(
    path: Path,
    document: str,
    method: int = zipfile.ZIP_DEFLATED,
    extra: dict[str, str] | None = None,
) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("word/document.xml", document)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def deflate64_docx(path: Path) -> Path:
    """A DOCX whose main part says it is Deflate64 (method 9), which zipfile cannot read."""
    write_docx(path, document_xml("Deflate64 text"), method=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    part = b"word/document.xml"
    for signature, method_at, name_at in ((b"PK\x03\x04", 8, 30), (b"PK\x01\x02", 10, 46)):
        start = data.find(signature)
        while start >= 0:
            if data[start + name_at : start + name_at + len(part)] == part:
                data[start + method_at : start + method_at + 2] = struct.pack("<H", 9)
            start = data.find(signature, start + 1)
    path.write_bytes(bytes(data))
    return path


def damaged_docx(path: Path) -> Path:
    """A DOCX whose main part's deflate data begins with an invalid block type."""
    text = " ".join(f"clause {n} of the damaged agreement" for n in range(4000))
    write_docx(path, document_xml(text))
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("word/document.xml")
    data = bytearray(path.read_bytes())
    header = info.header_offset
    name_length, extra_length = struct.unpack("<HH", data[header + 26 : header + 30])
    start = header + 30 + name_length + extra_length
    data[start : start + 16] = b"\xff" * 16  # BTYPE 11: "invalid block type"
    path.write_bytes(bytes(data))
    return path


def xlsx(path: Path, rows: list[list[object]], dimension: str | None = None) -> Path:
    """A workbook of `rows`; `dimension` overrides the used range the sheet declares."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if dimension and info.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<dimension ref=")
                end = data.index(b"/>", start) + 2
                data = data[:start] + f'<dimension ref="{dimension}"/>'.encode() + data[end:]
            target.writestr(info, data)
    return path


def fanout_pdf(path: Path, references: int) -> Path:
    """A tiny PDF whose page tree lists one page `references` times."""
    kids = " ".join(["3 0 R"] * references)
    stream = b"BT /F1 12 Tf 72 720 Td (One page, many times) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {references} >>".encode(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def incompressible(size: int) -> str:
    """`size` characters that deflate only about twice (hex of random bytes)."""
    return os.urandom(size // 2).hex()
