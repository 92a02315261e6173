"""E-mail saved as a file (.eml, RFC 5322 with MIME), read with the standard library's
`email` package: the headers a person looks for (subject, from, to, cc, date), the
decoded body (plain text, else the text of its HTML), and the names of its attachments.

An .eml is read as pages: page 1 is the message; each attached document of a kind
localqa reads follows as pages of its own (a PDF's pages, a workbook's sheets), headed
`Attachment: NAME` (and its own page, sheet or slide number when it has several), so a
citation names the message file and the attachment's text is found with it. Attachments
of other kinds are listed by name on page 1, and counted in one warning.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from localqa.ingest.loaders.base import LoadedDocument, LoadError, LoadOptions, UnsupportedFile
from localqa.ingest.loaders.common import read_bytes, require_text, sensible_title
from localqa.ingest.loaders.encoding import decode_bytes, normalise_newlines
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits, megabytes
from localqa.schema import Page

HEADERS = ("Subject", "From", "To", "Cc", "Date")
# Messages attached to messages are read this deep; deeper ones are listed by name.
MAX_NESTING = 3
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")
_NO_TEXT = ("no text found", "the message has no text, and no attachment localqa reads")


def parse_message(data: bytes) -> EmailMessage:
    """A message from its bytes (never raises: the `email` package records defects)."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # policy.default makes EmailMessage
    return message


def _decoded(part: EmailMessage) -> str:
    """A text part's content as text, whatever its declared charset claims."""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        content = None
    if not isinstance(content, str):
        payload = part.get_payload(decode=True)
        content = decode_bytes(payload).text if isinstance(payload, bytes) and payload else ""
    if part.get_content_subtype() == "html":
        from localqa.ingest.loaders.html import extract_html

        content = extract_html(content).text
    return normalise_newlines(content).strip()


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the policy cannot parse
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def attachment_name(part: EmailMessage, number: int) -> str:
    """The attachment's file name (path parts and odd characters removed), or a name
    made from its number and type."""
    try:
        name = part.get_filename() or ""
    except (ValueError, TypeError):
        name = ""
    name = _UNSAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    if name:
        return name[:120]
    if part.get_content_type() == "message/rfc822":
        return f"message-{number}.eml"
    return f"attachment-{number} ({part.get_content_type()})"


@dataclass
class MessageText:
    """What a message says, as lines of text, and its parts to read as documents."""

    subject: str
    text: str
    attachments: list[tuple[str, EmailMessage]] = field(default_factory=list)


def message_text(message: EmailMessage) -> MessageText:
    """The headers, the body, any further inline text, and the attachments' names."""
    lines = [f"{name}: {value}" for name in HEADERS if (value := _header(message, name))]
    body = message.get_body(preferencelist=("plain", "html"))
    parts = [_decoded(body)] if isinstance(body, EmailMessage) else []
    attachments: list[tuple[str, EmailMessage]] = []
    try:
        others = list(message.iter_attachments())
    except (TypeError, KeyError):  # a multipart without parts
        others = []
    for number, part in enumerate(others, start=1):
        inline_text = part.get_content_maintype() == "text" and not part.get_filename()
        if inline_text and part.get_content_subtype() in ("plain", "html"):
            parts.append(_decoded(part))
        else:
            attachments.append((attachment_name(part, number), part))
    if attachments:
        lines.append("Attachments: " + ", ".join(name for name, _ in attachments))
    text = "\n".join(lines) + "\n\n" + "\n\n".join(p for p in parts if p)
    return MessageText(_header(message, "Subject"), text.strip(), attachments)


# Attachments being read inside attachments now (an .eml attached to an .eml...).
_nesting = [0]


def _payload(name: str, part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_content()
        return inner.as_bytes() if isinstance(inner, EmailMessage) else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def read_attachment(
    name: str, part: EmailMessage, limits: Limits, not_read: list[str], warnings: list[str]
) -> Iterator[tuple[str, Page]]:
    """The pages of an attached document (page kind, page), read by the loader of its
    kind from a temporary copy; nothing, and a note in `not_read`, when it cannot be.
    Its own warnings join `warnings`, naming it."""
    from localqa.ingest.loaders import SUPPORTED_SUFFIXES, open_document
    from localqa.ingest.loaders.unsupported import unsupported_reason

    suffix = Path(name).suffix.lower()
    if part.get_content_type() == "message/rfc822" and suffix != ".eml":
        name, suffix = f"{name}.eml", ".eml"
    if suffix not in SUPPORTED_SUFFIXES:
        not_read.append(f"{name}: {unsupported_reason(suffix)}")
        return
    data = _payload(name, part)
    if len(data) > limits.max_part_bytes:
        not_read.append(f"{name}: {megabytes(len(data))}, more than `max_part_bytes`")
        return
    if _nesting[0] >= MAX_NESTING:
        not_read.append(f"{name}: attached {MAX_NESTING} messages deep")
        return
    _nesting[0] += 1
    try:
        with tempfile.TemporaryDirectory(prefix="localqa-attachment-") as folder:
            copy = Path(folder) / name
            copy.write_bytes(data)
            document = open_document(copy, limits, LoadOptions(ocr=limits.ocr))
            for page in document.pages:
                yield document.page_kind, page
            warnings.extend(f"attachment {name}: {warning}" for warning in document.warnings)
    except (LoadError, UnsupportedFile) as err:
        not_read.append(f"{name}: {getattr(err, 'problem', str(err))}")
    finally:
        _nesting[0] -= 1


def not_read_warning(not_read: list[str]) -> str | None:
    """One line for the attachments that were listed by name only."""
    if not not_read:
        return None
    count = len(not_read)
    shown = "; ".join(not_read[:3]) + ("; ..." if count > 3 else "")
    return f"{count} attachment{'s' if count > 1 else ''} listed by name only ({shown})"


def _eml_pages(read: MessageText, limits: Limits, warnings: list[str]) -> Iterator[Page]:
    yield Page(number=1, text=read.text)
    number = 1
    not_read: list[str] = []
    for name, part in read.attachments:
        for kind, page in read_attachment(name, part, limits, not_read, warnings):
            number += 1
            if number > limits.max_pages:
                raise LimitReached(f"more than {limits.max_pages:,} pages", "max_pages")
            head = f"Attachment: {name}, {kind} {page.number}\n"
            moved = tuple((offset + len(head), title) for offset, title in page.headings)
            headings = ((0, f"Attachment: {name}"), *moved)
            yield Page(number, head + page.text, headings, page.ocr_confidence)
    if note := not_read_warning(not_read):
        warnings.append(note)


def load_eml(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A saved e-mail: page 1 the message (headers, body, attachment names), then the
    pages of each attached document localqa reads. Titled by its subject."""
    read = message_text(parse_message(read_bytes(path)))
    warnings: list[str] = []
    pages = require_text(_eml_pages(read, limits, warnings), *_NO_TEXT)
    title = sensible_title(read.subject, path.stem)
    return LoadedDocument(title=title, page_kind="page", pages=pages, warnings=warnings)
