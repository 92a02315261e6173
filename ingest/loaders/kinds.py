"""Which file suffixes each loader reads, kept apart from the loaders themselves so that
knowing them imports none of pypdfium2, BeautifulSoup, python-pptx or openpyxl (a re-ingest
that reads nothing should not pay for them)."""

from __future__ import annotations

PDF_SUFFIXES = frozenset({".pdf"})
PLAIN_SUFFIXES = frozenset(
    {
        # prose and logs
        ".txt",
        ".text",
        ".log",
        ".me",
        ".nfo",
        ".asc",
        # source code
        ".py",
        ".pyi",
        ".js",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".jsx",
        ".java",
        ".c",
        ".h",
        ".cpp",
        ".hpp",
        ".cc",
        ".hh",
        ".cxx",
        ".hxx",
        ".cs",
        ".go",
        ".rs",
        ".rb",
        ".php",
        ".sh",
        ".bash",
        ".zsh",
        ".fish",
        ".ps1",
        ".bat",
        ".cmd",
        ".sql",
        ".swift",
        ".kt",
        ".kts",
        ".scala",
        ".r",
        ".lua",
        ".pl",
        ".pm",
        ".m",
        ".mm",
        ".dart",
        ".ex",
        ".exs",
        ".erl",
        ".hs",
        ".ml",
        ".clj",
        ".groovy",
        ".gradle",
        ".vue",
        ".svelte",
        ".jl",
        ".f90",
        ".vb",
        ".asm",
        ".s",
        ".proto",
        ".graphql",
        ".tf",
        ".nix",
        ".cmake",
        ".mk",
        # configuration and data
        ".json",
        ".jsonl",
        ".ndjson",
        ".yaml",
        ".yml",
        ".toml",
        ".ini",
        ".cfg",
        ".conf",
        ".properties",
        ".env",
        ".xml",
        ".xsd",
        ".xsl",
        ".css",
        ".scss",
        ".sass",
        ".less",
        ".tex",
        ".bib",
        ".sty",
        ".cls",
        ".srt",
        ".vtt",
        ".diff",
        ".patch",
        ".org",
        ".adoc",
        ".textile",
    }
)
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
RST_SUFFIXES = frozenset({".rst", ".rest"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
DELIMITED_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".psv"})
DOCX_SUFFIXES = frozenset({".docx", ".docm", ".dotx", ".dotm"})
PPTX_SUFFIXES = frozenset({".pptx", ".pptm", ".ppsx", ".potx"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
EPUB_SUFFIXES = frozenset({".epub"})
EML_SUFFIXES = frozenset({".eml"})
MBOX_SUFFIXES = frozenset({".mbox", ".mbx"})
NOTEBOOK_SUFFIXES = frozenset({".ipynb"})
ODT_SUFFIXES = frozenset({".odt", ".ott"})
RTF_SUFFIXES = frozenset({".rtf"})

# (suffixes, module under ingest.loaders, its load function), imported on first use.
FAMILIES: tuple[tuple[frozenset[str], str, str], ...] = (
    (PDF_SUFFIXES, "pdf", "load_pdf"),
    (PLAIN_SUFFIXES, "text", "load_plain"),
    (MARKDOWN_SUFFIXES, "text", "load_markdown"),
    (RST_SUFFIXES, "text", "load_rst"),
    (HTML_SUFFIXES, "html", "load_html"),
    (DELIMITED_SUFFIXES, "delimited", "load_delimited"),
    (DOCX_SUFFIXES, "docx", "load_docx"),
    (PPTX_SUFFIXES, "pptx", "load_pptx"),
    (XLSX_SUFFIXES, "xlsx", "load_xlsx"),
    (EPUB_SUFFIXES, "epub", "load_epub"),
    (EML_SUFFIXES, "mail", "load_eml"),
    (MBOX_SUFFIXES, "mbox", "load_mbox"),
    (NOTEBOOK_SUFFIXES, "notebook", "load_notebook"),
    (ODT_SUFFIXES, "odt", "load_odt"),
    (RTF_SUFFIXES, "rtf", "load_rtf"),
)
