"""Why a file localqa does not read is skipped, in a few words a person can act on."""

from __future__ import annotations

LEGACY_OFFICE_SUFFIXES = frozenset({".doc", ".dot", ".xls", ".xlt", ".ppt", ".pot", ".pps"})

_REASONS: tuple[tuple[frozenset[str], str], ...] = (
    (
        LEGACY_OFFICE_SUFFIXES,
        "legacy binary Office format; save it as .docx/.xlsx/.pptx and ingest again",
    ),
    (
        frozenset({".ods", ".fods", ".numbers"}),
        "spreadsheet format not read; save it as .xlsx or .csv and ingest again",
    ),
    (
        frozenset({".odp", ".fodp", ".key"}),
        "presentation format not read; save it as .pptx or .pdf and ingest again",
    ),
    (
        frozenset({".pages", ".wpd", ".wps", ".fodt", ".sxw"}),
        "word-processor format not read; save it as .docx, .odt, .pdf or .txt and ingest again",
    ),
    (
        frozenset({".msg", ".oft"}),
        # extract-msg, the library that reads them, is GPL: localqa is Apache-2.0
        "Outlook message format not read; save it from Outlook as .txt, .html or .pdf (or "
        "drag it into a mail program that saves .eml) and ingest that",
    ),
    (
        frozenset({".pst", ".ost"}),
        "Outlook data file not read; export the folder as .mbox (e.g. with Thunderbird's "
        "ImportExportTools or `readpst -r`) and ingest that",
    ),
    (
        frozenset(
            {
                ".png",
                ".jpg",
                ".jpeg",
                ".gif",
                ".bmp",
                ".tif",
                ".tiff",
                ".webp",
                ".heic",
                ".ico",
                ".svg",
                ".psd",
                ".raw",
                ".cr2",
                ".nef",
            }
        ),
        "image file; localqa reads text, so OCR it to a PDF first (e.g. `ocrmypdf`)",
    ),
    (
        frozenset({".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst", ".lz4"}),
        "archive; extract it and ingest the files inside",
    ),
    (
        frozenset(
            {
                ".mp3",
                ".wav",
                ".flac",
                ".ogg",
                ".m4a",
                ".aac",
                ".mp4",
                ".mkv",
                ".mov",
                ".avi",
                ".webm",
                ".wmv",
            }
        ),
        "audio or video file; localqa reads text only",
    ),
    (
        frozenset(
            {
                ".exe",
                ".dll",
                ".so",
                ".dylib",
                ".bin",
                ".o",
                ".a",
                ".class",
                ".jar",
                ".pyc",
                ".whl",
                ".iso",
                ".dmg",
                ".msi",
                ".apk",
                ".deb",
                ".rpm",
            }
        ),
        "binary or executable file; nothing to read",
    ),
    (
        frozenset(
            {
                ".db",
                ".sqlite",
                ".sqlite3",
                ".mdb",
                ".accdb",
                ".parquet",
                ".feather",
                ".pkl",
                ".pickle",
                ".npy",
                ".npz",
                ".h5",
                ".hdf5",
            }
        ),
        "database or binary data file; export it as CSV and ingest that",
    ),
)


def unsupported_reason(suffix: str) -> str:
    """A short reason for skipping a file with this (lower-case) suffix."""
    for suffixes, reason in _REASONS:
        if suffix in suffixes:
            return reason
    if not suffix:
        return "no file extension; rename it with the right one (e.g. .txt) to ingest it"
    return f"unsupported file type '{suffix}'"
