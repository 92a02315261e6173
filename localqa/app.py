"""The composition root: the one place that builds the parts from settings."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.config import Settings, load_settings
from localqa.index import Index

if TYPE_CHECKING:
    from localqa.answer import Answerer
    from localqa.embedder import Embedder, SentenceTransformerEmbedder
    from localqa.llm import LocalModel


@dataclass(frozen=True)
class App:
    settings: Settings

    @classmethod
    def from_options(cls, config_file: Path | None = None, **overrides: Any) -> App:
        return cls(load_settings(overrides, config_file=config_file))

    def embedder(self) -> SentenceTransformerEmbedder:
        from localqa.embedder import SentenceTransformerEmbedder

        s = self.settings
        return SentenceTransformerEmbedder(s.embed_model, s.embed_device, s.embed_batch_size)

    def query_embedder(self) -> Embedder:
        """For answering: the torch-free encoder when the model allows, else the full one."""
        from localqa.embedder import FastQueryEmbedder
        from localqa.fast_encoder import UnsupportedModel

        try:
            return FastQueryEmbedder(self.settings.embed_model)
        except UnsupportedModel:
            return self.embedder()

    def index(self) -> Index:
        return Index(self.settings)

    def existing_index(self) -> Index:
        return Index.open_existing(self.settings)

    def models_dirs(self) -> list[Path]:
        return [self.settings.home / "models", Path.cwd() / "models"]

    def load_model(self) -> LocalModel | None:
        """The configured model, or the single .gguf in a models folder; None means
        extractive mode."""
        from localqa.llm import LocalModel, find_model

        s = self.settings
        path = None
        for folder in self.models_dirs():
            path = find_model(s.model_path, folder)
            if path is not None:
                break
        if path is None:
            return None
        model = LocalModel.load(path, s.n_ctx, s.n_gpu_layers, s.threads)
        for warning in model.warnings:
            logging.getLogger("localqa").warning(warning)
        print(
            f"model {path.name}: {model.gpu_layers}/{model.n_layers} layers on the GPU",
            file=sys.stderr,
        )
        return model

    def answerer(self, use_model: bool = True) -> Answerer:
        from localqa.answer import Answerer

        index = self.existing_index()
        model = self.load_model() if use_model else None
        return Answerer(self.settings, index, self.query_embedder(), model)
