"""The settings each stage receives: one small frozen section per stage.

`localqa.config.Settings` validates what the user wrote (defaults < TOML < environment <
flags) as flat keys; the composition root (localqa/builder/) hands each stage only its
section (`Settings.ingest`, `.retrieval`, ...). A key belongs to the section whose fields
name it (a few, such as `cache_dir`, serve two stages); tests/test_config.py checks that
every setting reaches a section, so none is read by a stage that was not given it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

# Ingest settings that change the text of a document's chunks: a change re-reads every
# file (they salt the content hash, ingest/scan.py). Each IngestSettings field must say
# whether it does (tests/test_config.py), so a new one cannot be left out of the salt.
REREAD = "reread"


def _ingest(reread: bool) -> dict[str, bool]:
    return {REREAD: reread}


# What a folder holds that is no document (`exclude`; ingest/scan.py says why each is left
# out): Office lock files, editors' backups and swap files, dependency and build folders,
# version-control folders.
DEFAULT_EXCLUDES = (
    "~$*",
    "*~",
    ".*.swp",
    ".*.swo",
    "#*#",
    ".#*",
    "node_modules",
    ".venv",
    "__pycache__",
    "vendor",
    "dist",
    "target",
    ".git",
    ".hg",
    ".svn",
)


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Where the index lives: `home`/indexes/`index`; vectors in Chroma, embedded or on
    the server `chroma_host`:`chroma_port`; with `database_url` (never printed), the
    catalog, chunks and lexical search in PostgreSQL, where ingest workers claim documents
    for `claim_lease_s` seconds at a time. `source_roots`: (root name, this machine's
    folder) for roots mounted here elsewhere than where they were ingested from
    (localqa/store/roots.py)."""

    home: Path
    index: str
    chroma_host: str
    chroma_port: int
    database_url: SecretStr
    claim_lease_s: float
    source_roots: tuple[tuple[str, Path], ...] = ()

    @property
    def index_dir(self) -> Path:
        return self.home / "indexes" / self.index


@dataclass(frozen=True, slots=True)
class EmbeddingSettings:
    """The embedding model (a local folder; "" = the packaged MiniLM), what runs it, its
    batch size (0 = the backend's choice) and where exported ONNX files are kept."""

    embed_model: str
    embed_backend: Literal["auto", "onnx-int8", "onnx", "torch"]
    embed_device: str
    embed_batch_size: int
    cache_dir: Path


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """Splitting (in embedder tokens), the reader process, and the per-file limits:
    seconds (CPU, and the clock as a backstop), MiB of memory, bytes, pages, cells,
    chunks. Each field's metadata says whether it changes chunk text (`REREAD`)."""

    chunk_tokens: int = field(metadata=_ingest(True))
    chunk_overlap_tokens: int = field(metadata=_ingest(True))
    # OCR on or off, and how many pages of a file it reads, decide what text a scan has.
    ocr: bool = field(metadata=_ingest(True))
    max_ocr_pages: int = field(metadata=_ingest(True))
    # Inline or in a reader process, the loaders give the same text.
    reader_process: Literal["auto", "always", "never"] = field(metadata=_ingest(False))
    # The limits below fail a file (it is not stored, so the next run tries it again) or,
    # for OCR's time cap, add it with a warning naming the pages left; they never change
    # the text of a file read whole.
    read_cpu_s: float = field(metadata=_ingest(False))
    read_timeout_s: float = field(metadata=_ingest(False))
    reader_memory_mb: int = field(metadata=_ingest(False))
    ingest_memory_mb: int = field(metadata=_ingest(False))
    max_file_bytes: int = field(metadata=_ingest(False))
    max_part_bytes: int = field(metadata=_ingest(False))
    max_zip_ratio: int = field(metadata=_ingest(False))
    max_pages: int = field(metadata=_ingest(False))
    max_sheet_cells: int = field(metadata=_ingest(False))
    max_file_chunks: int = field(metadata=_ingest(False))
    # Which files are read, not what they say.
    follow_outside_links: bool = field(metadata=_ingest(False))
    exclude: tuple[str, ...] = field(metadata=_ingest(False))
    # Texts per embedding pass: the same vectors whatever the batch (int8 embeds one text
    # at a time).
    embed_batch_size: int = field(metadata=_ingest(False))

    def text_fingerprint(self) -> str:
        """The settings that change chunk text, as `name=value|...` in field order."""
        return "|".join(
            f"{f.name}={getattr(self, f.name)}" for f in fields(self) if f.metadata[REREAD]
        )


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    """How many sources (`top_k`) and characters of context an answer gets, and the
    optional cross-encoder reranker (a local folder; "" = none)."""

    top_k: int
    context_chars: int
    reranker_model: str


@dataclass(frozen=True, slots=True)
class AnsweringSettings:
    """When to abstain (best sentence's relevance below `abstain_below`, 0..1), how a
    generated answer that does not stand alone is shown, and how long (s) a question
    about a whole document may read it."""

    abstain_below: float
    unsupported_answer: Literal["with-quotes", "quotes-only"]
    whole_document_seconds: float

    @property
    def quotes_only(self) -> bool:
        """Such an answer is replaced by the sources' quotes, not shown beside them."""
        return self.unsupported_answer == "quotes-only"


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    """The GGUF model and how it runs: context (tokens), GPU layers, CPU threads (0: decoding
    on one, prompts planned; "follow": both planned; N: both on N), sampling, answer
    budgets (0 = from the model's size), the prompt layout, and the prompt-prefix cache
    kept in `cache_dir`. Or, when `llm_url` is set, a model on an OpenAI-compatible
    server: its name there, API key (never printed), a local tokenizer of it, its context
    (0 = the server's) and how long to wait for it (s)."""

    model_path: str
    n_ctx: int
    n_gpu_layers: int | Literal["auto"]
    threads: int | Literal["follow"]
    temperature: float
    top_p: float
    min_p: float
    answer_tokens: int
    answer_sources: int
    answer_context_chars: int
    prompt_format: Literal["auto", "gguf-template", "llama-2", "completion"]
    prefix_cache: bool
    cache_dir: Path
    llm_url: str
    llm_model: str
    llm_api_key: SecretStr
    llm_tokenizer: str
    llm_n_ctx: int
    llm_timeout_s: float


@dataclass(frozen=True, slots=True)
class ServingSettings:
    """`localqa serve`: the address it listens on, the bearer token every request needs
    (None: none, loopback only; never printed), how many questions may wait, and how
    many answers a model server (`llm_url`) writes at once."""

    serve_host: str
    serve_port: int
    api_token: SecretStr | None
    max_queue: int
    llm_parallel: int


SECTIONS = {
    "store": StoreSettings,
    "embedding": EmbeddingSettings,
    "ingest": IngestSettings,
    "retrieval": RetrievalSettings,
    "answering": AnsweringSettings,
    "generation": GenerationSettings,
    "serving": ServingSettings,
}


def section_keys(name: str) -> frozenset[str]:
    """The setting names a section holds (KeyError for an unknown section)."""
    return frozenset(f.name for f in fields(SECTIONS[name]))
