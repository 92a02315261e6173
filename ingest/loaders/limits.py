"""Per-file limits: what one file may cost before it becomes one FAILED line.

Loaders check sizes, pages, cells and chunks as they read; the reader process is watched
for time and memory (ingest/background.py, ingest/watch.py). Each limit is a setting
(localqa/sections.py `IngestSettings`), and the FAILED line names it, so a genuine file is
one setting away from being read.
"""

from __future__ import annotations

from dataclasses import dataclass

from localqa.ingest.loaders.base import LoadError
from localqa.sections import IngestSettings


@dataclass(frozen=True, slots=True)
class Limits:
    """What reading one file may take and do: sizes in bytes, time in seconds (CPU time,
    and the clock as a backstop), memory in MB (MiB: the reader alone, and the whole
    ingest: reader and embedding process together), and whether pages without a text
    layer are read by OCR. Defaults equal the settings'."""

    read_cpu_s: float = 300.0
    read_timeout_s: float = 1800.0
    reader_memory_mb: int = 1024
    ingest_memory_mb: int = 1430
    max_file_bytes: int = 500_000_000
    max_part_bytes: int = 200_000_000
    max_zip_ratio: int = 100
    max_pages: int = 10_000
    max_sheet_cells: int = 5_000_000
    max_file_chunks: int = 20_000
    max_ocr_pages: int = 50
    ocr: bool = True

    @classmethod
    def from_settings(cls, settings: IngestSettings) -> Limits:
        return cls(**{name: getattr(settings, name) for name in cls.__slots__})


DEFAULT_LIMITS = Limits()


class LimitReached(LoadError):
    """A file needs more than a limit allows: one line naming the setting to raise."""

    def __init__(self, problem: str, setting: str) -> None:
        super().__init__(problem, f"if it is genuine, raise `{setting}`")
        self.setting = setting


def megabytes(count: int) -> str:
    return f"{count / 1_000_000:,.0f} MB" if count >= 1_000_000 else f"{count:,} bytes"
