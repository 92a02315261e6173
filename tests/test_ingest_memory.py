"""The ingest memory (ingest/failures.py): remembered failures hold for the settings they
were met under, an unreadable file is no memory at all, and a complete run drops what it
no longer meets."""

from __future__ import annotations

from pathlib import Path

from localqa.ingest.failures import MEMORY_FILE, IngestMemory, Remembered


def failure(path: str, reported: bool = False) -> Remembered:
    return Remembered(path, Path(path).name, 10, 20, 30, "d" * 32, "no text found", False, reported)


def test_failures_hold_for_their_settings_and_warnings_survive_a_change(tmp_path: Path) -> None:
    memory = IngestMemory(tmp_path, "settings-1")
    memory.failed(failure("/docs/a.pdf"))
    memory.stored("/docs/b.pdf", "h", ("no text on page 2",))
    again = IngestMemory(tmp_path, "settings-1")
    assert list(again.failures) == ["/docs/a.pdf"] and not again.failures["/docs/a.pdf"].reported
    assert again.unreported_warnings("/docs/b.pdf") == ("no text on page 2",)
    changed = IngestMemory(tmp_path, "settings-2")  # e.g. a limit raised: read them again
    assert changed.failures == {} and changed.unreported_warnings("/docs/b.pdf")


def test_a_stored_document_is_no_failure_and_a_settled_run_reports_and_drops(
    tmp_path: Path,
) -> None:
    memory = IngestMemory(tmp_path, "s")
    for path in ("/docs/a.pdf", "/docs/gone.pdf", "/other/c.pdf"):
        memory.failed(failure(path))
    memory.stored("/docs/b.pdf", "h", ("a warning",))
    memory.stored("/docs/a.pdf", "h2", ())  # read at last
    memory.settle(set(), ["/docs/"], gone=set())
    kept = IngestMemory(tmp_path, "s")
    # /docs/gone.pdf was not met again in /docs: dropped; /other is not scanned: kept as is
    assert list(kept.failures) == ["/other/c.pdf"] and not kept.failures["/other/c.pdf"].reported
    assert kept.unreported_warnings("/docs/b.pdf") == ()  # reported by a complete run


def test_an_unreadable_memory_is_no_memory(tmp_path: Path) -> None:
    (tmp_path / MEMORY_FILE).write_text("{not json")
    memory = IngestMemory(tmp_path, "s")
    assert memory.failures == {} and memory.warnings == {}
    memory.failed(failure("/docs/a.pdf"))  # and it is written anew
    assert list(IngestMemory(tmp_path, "s").failures) == ["/docs/a.pdf"]
    assert IngestMemory(None, "s").failures == {}  # a store without a folder: one run only
