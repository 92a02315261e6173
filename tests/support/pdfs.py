"""Small PDFs written byte by byte, each text drawn at its place, for loader tests that
need a content stream in a known order."""

from __future__ import annotations

Placed = tuple[float, float, str]  # x, y (points from the bottom left), text


def placed_pdf(pages: list[list[Placed]], size: int = 10) -> bytes:
    """A PDF whose pages draw each text at its place, one text object each, in the order
    given (the content stream's order)."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (" ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages))).encode(), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for i, page in enumerate(pages):
        stream = "\n".join(
            f"BT /F1 {size} Tf {x} {y} Td ({escaped(text)}) Tj ET" for x, y, text in page
        ).encode()
        objects[4 + 2 * i] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects[5 + 2 * i] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    return pdf_bytes(objects)


def pdf_bytes(objects: dict[int, bytes], version: str = "1.4", trailer: bytes = b"") -> bytes:
    """A whole PDF file of these numbered objects (1 is the catalog), with its cross-reference
    table; `trailer`: more trailer entries (e.g. b" /Info 7 0 R")."""
    out = bytearray(b"%%PDF-%s\n" % version.encode())
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def escaped(text: str) -> str:
    """A PDF literal string's body: backslashes and parentheses escaped."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
