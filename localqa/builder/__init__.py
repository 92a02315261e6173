"""The composition root: the one place that builds localqa's parts from `Settings`.

`ask`, `chat`, `eval`, `doctor`, ingest and the benchmarks all get their parts here, so
the same settings give the same parts everywhere (the same question encoder for `ask`
and `chat`, the same reranker for answering and evaluation). Heavy libraries load inside
the methods that need them, never at import.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.builder.embedders import EmbedderParts, PrecisionChoice
from localqa.config import Settings, load_settings
from localqa.config_layers import config_source
from localqa.store.faults import VectorStoreError
from localqa.store.open import open_existing, open_index

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer
    from localqa.answering.conversations import ConversationStore
    from localqa.embedding.embedder import Embedder
    from localqa.generation.base import LanguageModel
    from localqa.retrieval.reranker import CrossEncoderReranker
    from localqa.retrieval.retriever import Retriever
    from localqa.store.base import IndexReader, IndexWriter
    from localqa.store.roots import PathMap


__all__ = ["Builder", "PartsInfo", "PrecisionChoice"]


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass(frozen=True)
class PartsInfo:
    """What the loaded parts are, as `Builder.describe` tells it: the chat's status bar,
    `doctor` and `ask`'s report line on the model read it."""

    index_name: str
    documents: int | None = None  # None: no index described
    chunks: int | None = None
    model_name: str | None = None  # the GGUF's file name; None: extractive mode
    gpu_layers: int | None = None
    n_layers: int | None = None
    warnings: tuple[str, ...] = ()  # the model's, about its loading
    layout: str | None = None  # the prompt layout the model gets (generation/layouts.py)
    layout_reason: str | None = None
    # the index's stored document keys to this machine's paths (the chat's `o` opens there)
    paths: PathMap | None = None

    @property
    def offload(self) -> str:
        return f"{self.gpu_layers}/{self.n_layers} layers on the GPU"


@dataclass(frozen=True)
class Builder(EmbedderParts):
    """Makes each part from `settings`; every method builds a new part (the embedders:
    `EmbedderParts`, builder/embedders.py). `config_file`: the `--config` file the
    settings were read with, if one was given."""

    settings: Settings
    config_file: Path | None = None

    @classmethod
    def from_options(cls, config_file: Path | None = None, **overrides: Any) -> Builder:
        """Settings from defaults < TOML < environment < `overrides` (None = not given).
        Raises ConfigError."""
        return cls(load_settings(overrides, config_file=config_file), config_file)

    def config_source(self) -> tuple[Path | None, str]:
        """The TOML file the settings came from, and how it was found (config_source)."""
        return config_source(self.config_file)

    def index(self) -> IndexWriter:
        """The configured index (embedded, or shared with `database_url`: store/open.py),
        created on first write."""
        return open_index(self.settings.store)

    def existing_index(self, write: bool = False) -> IndexWriter:
        """The configured index, opened for reading only unless `write` (readers never
        write: a read-only LOCALQA_HOME answers too); raises IndexMissing when nothing was
        ingested yet, StorageError or IndexDamaged when its catalog cannot be opened."""
        return open_existing(self.settings.store, read_only=not write)

    def reranker(self) -> CrossEncoderReranker | None:
        """The cross-encoder of `reranker_model`, or None when none is configured."""
        if not self.settings.reranker_model:
            return None
        from localqa.retrieval.reranker import CrossEncoderReranker

        return CrossEncoderReranker(Path(self.settings.reranker_model).expanduser())

    def retriever(self, index: IndexReader, embedder: Embedder | None = None) -> Retriever:
        """Hybrid retrieval over `index`, questions encoded by `embedder` (default: the
        query embedder)."""
        from localqa.retrieval.retriever import Retriever

        return Retriever(index, embedder or self.query_embedder(index), reranker=self.reranker())

    def models_dirs(self) -> list[Path]:
        """Where a GGUF is looked for without `model_path`: the home's models folder, then
        ./models in the current directory (doctor says both)."""
        return [self.settings.home / "models", Path.cwd() / "models"]

    def no_model_found(self) -> str:
        """The line saying no model was found: the folders looked in and the setting that
        names one (for `ask` and `doctor`)."""
        folders = " and ".join(str(f) for f in self.models_dirs())
        return (
            f"no GGUF model found in {folders}: answers are extractive (quotes); put one "
            ".gguf file in either (`make setup` assembles Gemma-3-270M into the checkout's "
            "models/), or name one with --model FILE, LOCALQA_MODEL_PATH or model_path in "
            "localqa.toml"
        )

    def model_file(self) -> Path | None:
        """`model_path`, else the single .gguf in a models folder; None: extractive mode.
        Raises ModelError when a folder holds several."""
        from localqa.generation.model import find_model

        for folder in self.models_dirs():
            path = find_model(self.settings.model_path, folder)
            if path is not None:
                return path
        return None

    def load_model(self, report: Callable[[str], None] | None = _to_stderr) -> LanguageModel | None:
        """The model on the server at `llm_url` when it is set, else the model of
        `model_file()`, loaded; None when there is none. `report` gets one line about
        where it runs (None: silent, as the chat wants); warnings are logged. Raises
        ModelError, or ModelServerError and TokenizerError for a server."""
        from localqa.generation.model import LocalModel

        if self.settings.llm_url:
            return self._server_model(report)
        path = self.model_file()
        if path is None:
            return None
        s = self.settings
        kept = s.cache_dir / "prefix-kv" if s.prefix_cache else None
        model = LocalModel.load(path, s.n_ctx, s.n_gpu_layers, s.threads, prefix_cache=kept)
        for warning in model.warnings:
            logging.getLogger("localqa").warning(warning)
        if report is not None:
            report(f"model {path.name}: {self.describe(model=model).offload}")
        return model

    def _server_model(self, report: Callable[[str], None] | None) -> LanguageModel:
        from localqa.generation.server_connect import connect

        model = connect(self.settings.generation)
        for warning in model.warnings:
            logging.getLogger("localqa").warning(warning)
        if report is not None:
            report(
                f"model {model.name} on the server {self.settings.llm_url}, "
                f"{model.window} tokens of context, counted {model.counting}"
            )
        return model

    def model_server_problem(self, timeout_s: float) -> str:
        """The one line on why the model server at `llm_url` does not answer within
        `timeout_s`; "" when it does (`localqa serve`'s /healthz)."""
        from localqa.generation.server_connect import server_problem

        return server_problem(self.settings.generation, timeout_s)

    def load_model_beside(
        self, index: IndexReader, report: Callable[[str], None] | None = _to_stderr
    ) -> LanguageModel | None:
        """`load_model()` in a worker thread while this one opens `index`'s vectors
        (importing chromadb, about 1 s of Python): llama.cpp reads the model in C without
        the GIL, so a cold `ask` waits for the longer of the two, not their sum. Raises what
        load_model raises."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="localqa-model") as pool:
            pending = pool.submit(self.load_model, report)
            with contextlib.suppress(VectorStoreError):  # the search says it goes without
                index.vectors  # noqa: B018 - opened now, for the question that follows
            return pending.result()

    def describe(
        self, index: IndexReader | None = None, model: LanguageModel | None = None
    ) -> PartsInfo:
        """What `index` holds and what `model` is: its GPU offload and the prompt layout it
        gets with these settings (as `answerer` would use it)."""
        info = PartsInfo(self.settings.index)
        if index is not None:
            documents, chunks = len(index.catalog.documents()), index.chunks.count()
            info = replace(info, documents=documents, chunks=chunks, paths=index.paths())
        if model is None:
            return info
        from localqa.generation.layouts import choose_layout
        from localqa.generation.prompt import SYSTEM_PROMPT

        layout = choose_layout(model, SYSTEM_PROMPT, self.settings.prompt_format)[1]
        return replace(
            info,
            model_name=model.name,
            gpu_layers=model.gpu_layers,
            n_layers=model.n_layers,
            warnings=tuple(model.warnings),
            layout=layout.name,
            layout_reason=layout.reason,
        )

    def answerer(
        self,
        index: IndexReader,
        model: LanguageModel | None = None,
        embedder: Embedder | None = None,
    ) -> Answerer:
        """An answerer over `index` with `embedder` for questions (default: a new query
        embedder); `model` None: extractive."""
        from localqa.answering.answerer import Answerer, AnswererSettings

        s = self.settings
        sections = AnswererSettings(s.retrieval, s.answering, s.generation)
        retriever = self.retriever(index, embedder)
        return Answerer(sections, retriever, model, rarity=index.lexical)

    def conversation_store(self) -> ConversationStore:
        """The saved chat conversations beside the indexes."""
        from localqa.answering.conversations import ConversationStore

        return ConversationStore.in_home(self.settings.home)
