"""Mailboxes (.mbox: messages one after another, each starting with a `From ` line), read
with the standard library's `mailbox`: each message is a page of its own (page kind
"message": "inbox.mbox, message 12, lines 4-6"), as an .eml's first page reads
(ingest/loaders/mail.py), followed by the text of its attached documents, each headed
`Attachment: NAME`. Messages are parsed one at a time, as they are read."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import cannot_read, require_text
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.ingest.loaders.mail import (
    message_text,
    not_read_warning,
    parse_message,
    read_attachment,
)
from localqa.schema import Page

_NOT_MBOX = "not an mbox mailbox (no message starts with a `From ` line)"
_EXPORT = "export the folder again from the mail program as mbox, or save messages as .eml"


def _message_page(
    number: int, data: EmailMessage, limits: Limits, not_read: list[str], warnings: list[str]
) -> Page:
    read = message_text(data)
    lines = [read.text]
    headings: list[tuple[int, str]] = [(0, read.subject)] if read.subject else []
    for name, part in read.attachments:
        pages = read_attachment(name, part, limits, not_read, warnings)
        texts = [page.text for _, page in pages]
        if any(text.strip() for text in texts):
            offset = len("\n\n".join(lines)) + 2
            headings.append((offset, f"Attachment: {name}"))
            lines.append(f"Attachment: {name}\n" + "\n\n".join(t for t in texts if t.strip()))
    return Page(number=number, text="\n\n".join(lines), headings=tuple(headings))


def _messages(box: mailbox.mbox, limits: Limits, warnings: list[str]) -> Iterator[Page]:
    not_read: list[str] = []
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            if number > limits.max_pages:
                raise LimitReached(f"more than {limits.max_pages:,} messages", "max_pages")
            data = box.get_bytes(key)  # one message at a time, without its `From ` line
            yield _message_page(number, parse_message(data), limits, not_read, warnings)
    finally:
        box.close()
    if note := not_read_warning(not_read):
        warnings.append(note)


def _starts_like_mbox(path: Path) -> bool:
    """Whether the file begins, past any blank lines, with an mbox `From ` line."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4096)
    except OSError as err:
        raise cannot_read(err) from err
    return head.lstrip(b"\r\n").startswith(b"From ")


def load_mbox(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A mailbox: one page (page kind "message") per message, in the file's order."""
    if not _starts_like_mbox(path):
        raise LoadError(_NOT_MBOX, _EXPORT)
    try:
        box = mailbox.mbox(path, create=False)
    except OSError as err:
        raise cannot_read(err) from err
    warnings: list[str] = []
    pages = require_text(_messages(box, limits, warnings), "no text found", "the mailbox is empty")
    return LoadedDocument(title=path.stem, page_kind="message", pages=pages, warnings=warnings)
