"""Settings: defaults < TOML file < LOCALQA_* environment variables < CLI flags.

pydantic lives only here, at the configuration boundary. Keys are flat (`top_k`), in the
TOML file also under a table named after their section (`[retrieval]` holding `top_k`);
each stage receives only its section (localqa/sections.py: `Settings.ingest`, ...).
This module holds the model of every setting and `load_settings`, which merges the layers
that localqa/config_layers.py reads (the TOML file, the environment) with the flags.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from localqa.config_layers import (
    ConfigError,
    cache_dir_for,
    config_source,
    default_cache,
    default_home,
    env_layer,
    toml_layer,
)
from localqa.sections import (
    DEFAULT_EXCLUDES,
    AnsweringSettings,
    EmbeddingSettings,
    GenerationSettings,
    IngestSettings,
    RetrievalSettings,
    ServingSettings,
    StoreSettings,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# ConfigError and config_source are the configuration's public names too (the CLI and the
# tests import them from here), beside Settings and load_settings.
__all__ = ["ConfigError", "Settings", "config_source", "default_cache", "load_settings"]

S = TypeVar("S", bound="DataclassInstance")

INDEX_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    home: Path = Field(default_factory=default_home)
    index: str = "default"
    # Embeddings: empty means the packaged all-MiniLM-L6-v2; otherwise a local model path.
    embed_model: str = ""
    # 0: the embedder's choice for its device (localqa/embedding/embedder.py).
    embed_batch_size: int = Field(0, ge=0, le=4096)
    embed_device: str = "auto"
    # What runs the embedder. auto: PyTorch on an NVIDIA GPU, else ONNX Runtime at the precision
    # measured fastest on this CPU (int8 where it is >= 1.10x fp32's speed: 1.5-2.1x torch's
    # on 2 cores, retrieval within 0.002; localqa/embedding/calibration.py), kept by an index
    # once built; onnx: fp32 vectors equal to torch's; onnx-int8: int8. Questions always run on
    # ONNX Runtime, at the precision the index was built with. Models ONNX cannot serve fall
    # back to torch.
    embed_backend: Literal["auto", "onnx-int8", "onnx", "torch"] = "auto"
    # Exported ONNX models (made once per model from its local folder; nothing downloaded)
    # and kept prompt prefixes. Default: $XDG_CACHE_HOME/localqa where XDG_CACHE_HOME is
    # set, else $LOCALQA_HOME/cache where a home is given (load_settings), else the
    # user's cache folder (~/.cache/localqa).
    cache_dir: Path = Field(default_factory=default_cache)
    chunk_tokens: int = Field(200, ge=16)
    chunk_overlap_tokens: int = Field(30, ge=0)
    # Read and split in a helper process, beside the embedder and under the limits below:
    # auto and always = in a watched reader process (any embedder with a fast tokenizer);
    # never = inline, for debugging: only the in-loader limits (sizes, pages, cells,
    # chunks) hold there, not time or memory, which one process cannot impose on itself
    # (docs/BENCHMARKS-LOG.md, "Hostile inputs").
    reader_process: Literal["auto", "always", "never"] = "auto"
    # Per-file limits against hostile or broken inputs; a file that reaches one is one
    # FAILED line naming the setting. Defaults leave real documents (an 872-page DOCX,
    # a 619-page PDF: ~3,000 chunks, ~40 s, ~150 MB) far inside.
    # Time to read one file: CPU seconds of the reader process (a loaded machine does not
    # fail a good file), and by the clock, waits for the embedder excluded, as a backstop
    # for a reader stuck without using CPU.
    read_cpu_s: float = Field(300.0, ge=0.1)
    read_timeout_s: float = Field(1800.0, ge=1.0)
    # Resident memory (MiB) of the reader process, and of the whole ingest: the reader
    # is stopped when it and the `localqa` process together would pass ingest_memory_mb
    # (that process counts only where it is localqa's own program, not a host's).
    reader_memory_mb: int = Field(1024, ge=64)
    ingest_memory_mb: int = Field(1430, ge=256)  # 1.5 GB
    max_file_bytes: int = Field(500_000_000, ge=1)  # decompressed parts of one file, total
    max_part_bytes: int = Field(200_000_000, ge=1)  # one decompressed part (zip member)
    max_zip_ratio: int = Field(100, ge=1)  # decompressed/compressed, parts over 1 MB
    max_pages: int = Field(10_000, ge=1)  # pages, slides, sheets or chapters of one file
    max_sheet_cells: int = Field(5_000_000, ge=1)  # cells read from one workbook or CSV
    max_file_chunks: int = Field(20_000, ge=1)
    # Symbolic links that leave the folder being ingested: followed only when true.
    follow_outside_links: bool = False
    # Names (or, with a "/", paths under the folder ingested) that ingest leaves out, each
    # reported as skipped with its reason (ingest/walker.py): Office lock files, editor
    # backups and swap files, dependency and build folders, version-control folders.
    # [] (or `localqa ingest --no-default-excludes`) reads them all; a string from the
    # environment is split at commas.
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    # Read PDF pages without a text layer (scans) by OCR, offline (ingest/loaders/ocr.py).
    ocr: bool = True
    # Pages of one PDF read by OCR (~10-30 s each on two cores); OCR also stops once it has
    # taken half of read_timeout_s on a file. The file is added with the pages read so far,
    # and a warning names the pages left.
    max_ocr_pages: int = Field(50, ge=0)
    # Chroma: embedded by default; a server when chroma_host is set.
    chroma_host: str = ""
    chroma_port: int = 8000
    # The shared index (localqa/store/postgres/): "" = embedded (SQLite beside the vectors);
    # postgresql://user:password@host:port/database = the catalog, the chunk text and
    # lexical search in that database (the password is never printed: SecretStr). With
    # chroma_host as well, nothing of the index is on this machine.
    database_url: SecretStr = SecretStr("")
    # Seconds a worker's claim on a document lasts without being renewed: an ingest that
    # dies (kill -9, a machine lost) gives its documents up after this; others take them.
    claim_lease_s: float = Field(60.0, ge=1.0)
    # Where this machine mounts the folders an index was filled from, by root name
    # (localqa/store/roots.py): `source_roots = { policies = "/mnt/share/policies" }`, or
    # LOCALQA_SOURCE_ROOTS="policies=/mnt/share/policies,hr=/srv/hr". A root not named here
    # is where it was ingested from.
    source_roots: tuple[tuple[str, Path], ...] = ()
    # Retrieval and answering.
    top_k: int = Field(10, ge=1, le=100)
    context_chars: int = Field(4000, ge=200)
    reranker_model: str = ""
    model_path: str = ""
    n_ctx: int = Field(4096, ge=256)
    n_gpu_layers: int | Literal["auto"] = "auto"
    # Generation budgets; 0 = chosen from the model's size (localqa/generation/budget.py).
    answer_tokens: int = Field(0, ge=0)
    answer_sources: int = Field(0, ge=0, le=100)
    answer_context_chars: int = Field(0, ge=0)
    # The prompt layout: auto = the GGUF's template, else by model name, else plain text.
    prompt_format: Literal["auto", "gguf-template", "llama-2", "completion"] = "auto"
    # A generated answer that does not stand alone (unsupported, or not resting on the
    # passages that match the question: answering/relevance.py): shown with the
    # extractive quotes ("with-quotes") or replaced by them ("quotes-only").
    unsupported_answer: Literal["with-quotes", "quotes-only"] = "with-quotes"
    # Abstain (say the documents do not answer, show the nearest passages) when the best
    # context sentence's relevance to the question is below this (0..1; 0: never).
    # Tuned on SQuAD 2.0 dev questions apart from the reported ones (answering/abstain.py).
    abstain_below: float = Field(0.3, ge=0.0, le=1.0)
    # A question about a whole document ("Summarise the memo", "List every deadline in
    # the lease") reads every chunk of it for at most this long (s); the answer says what
    # was left unread (answering/whole.py).
    whole_document_seconds: float = Field(30.0, gt=0.0)
    # 0: greedy, so the same question over the same documents gets the same answer (an
    # answer someone may have to justify later should be reproducible); raise for variety.
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    min_p: float = Field(0.05, ge=0.0, le=1.0)
    # llama.cpp threads. 0: decoding on one thread whatever the load (its count changes
    # greedy answers), prompts on one per physical core that other processes leave idle,
    # judged before each prompt (compute_plan in localqa/generation/llama_setup.py);
    # "follow": decoding follows the idle cores too; N: both on N.
    threads: Annotated[int, Field(ge=0)] | Literal["follow"] = 0
    # Keep the KV state of the prompt's fixed prefix (layout and system prompt, no document
    # text) in cache_dir, so the next `ask` need not compute it (generation/prefix_cache.py).
    prefix_cache: bool = True
    # `localqa serve`: where it listens; a host other than loopback needs api_token, and
    # then every request carries `Authorization: Bearer <api_token>`. Questions beyond
    # max_queue waiting for the one answerer get 503 with Retry-After.
    serve_host: str = "127.0.0.1"
    serve_port: int = Field(8000, ge=1, le=65535)
    api_token: SecretStr | None = None
    max_queue: int = Field(8, ge=1, le=1000)
    # A model on an OpenAI-compatible server instead of a GGUF in this process
    # (generation/server.py): its /v1 address, e.g. http://gpu-box:8080/v1; "" = in process.
    llm_url: str = ""
    # The model's name on that server ("" = the one it serves); the API key, if it wants one
    # (sent as a bearer token, never printed: SecretStr).
    llm_model: str = ""
    llm_api_key: SecretStr = SecretStr("")
    # A local tokenizer of the server's model (its .gguf, or a tokenizer.json): exact token
    # counts and the model's own chat template. "" = the server's tokenizer, else an estimate.
    llm_tokenizer: str = ""
    # The server's context window; 0 = what the server says, else n_ctx.
    llm_n_ctx: int = Field(0, ge=0)
    # Seconds to wait for a connection, for the first token, and between tokens.
    llm_timeout_s: float = Field(120.0, gt=0.0)
    # Answers `localqa serve` has the model server write at once (its slots: llama.cpp's
    # server has 4 by default); a GGUF in this process writes one at a time.
    llm_parallel: int = Field(4, ge=1, le=64)

    @field_validator("llm_url")
    @classmethod
    def _llm_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("give the server's address, e.g. http://gpu-box:8080/v1")
        return value

    @field_validator("exclude", mode="before")
    @classmethod
    def _patterns(cls, value: object) -> object:
        if isinstance(value, str):  # LOCALQA_EXCLUDE="*.bak,drafts"
            return tuple(p.strip() for p in value.split(",") if p.strip())
        return value

    @field_validator("source_roots", mode="before")
    @classmethod
    def _roots(cls, value: object) -> object:
        if isinstance(value, str):  # LOCALQA_SOURCE_ROOTS="policies=/mnt/p,hr=/srv/hr"
            pairs = [p.partition("=") for p in value.split(",") if p.strip()]
            if any(not sep for _, sep, _ in pairs):
                raise ValueError('give name=folder pairs, e.g. "policies=/mnt/share/policies"')
            value = {name.strip(): folder.strip() for name, _, folder in pairs}
        if not isinstance(value, dict):
            return value
        roots: list[tuple[str, Path]] = []
        for name, folder in value.items():
            path = Path(str(folder)).expanduser()
            if not str(name).strip() or not path.is_absolute():
                raise ValueError(f"{name!r}: give a root's name and its folder's absolute path")
            roots.append((str(name).strip(), Path(os.path.normpath(path))))
        return tuple(roots)

    @field_validator("index")
    @classmethod
    def _index_name(cls, value: str) -> str:
        if not INDEX_NAME.match(value):
            raise ValueError("use letters, digits, '.', '_' or '-' (at most 64)")
        return value

    @property
    def index_dir(self) -> Path:
        return self.store.index_dir

    # Each stage's section (localqa/sections.py).
    @property
    def store(self) -> StoreSettings:
        return self._section(StoreSettings)

    @property
    def embedding(self) -> EmbeddingSettings:
        return self._section(EmbeddingSettings)

    @property
    def ingest(self) -> IngestSettings:
        return self._section(IngestSettings)

    @property
    def retrieval(self) -> RetrievalSettings:
        return self._section(RetrievalSettings)

    @property
    def answering(self) -> AnsweringSettings:
        return self._section(AnsweringSettings)

    @property
    def generation(self) -> GenerationSettings:
        return self._section(GenerationSettings)

    @property
    def serving(self) -> ServingSettings:
        return self._section(ServingSettings)

    def _section(self, kind: type[S]) -> S:
        return kind(**{f.name: getattr(self, f.name) for f in fields(kind)})


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the layers; `overrides` are CLI flags (None values are ignored)."""
    env = os.environ if environ is None else environ
    path, found = config_source(config_file, env)
    toml, text = toml_layer(path, found)
    env_values, env_names = env_layer(env, Settings.model_fields)
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    merged: dict[str, Any] = toml | env_values | flags
    if "cache_dir" not in merged and (cache := cache_dir_for(env, merged.get("home"))):
        merged["cache_dir"] = cache
    try:
        return Settings.model_validate(merged)
    except ValidationError as err:
        from localqa.config_messages import Layers, describe

        layers = Layers(path, text, frozenset(toml), env_names, frozenset(flags))
        raise ConfigError(describe(err, merged, Settings.model_fields, layers)) from err
