"""The doctor's sections on this machine's setup: where the settings and models are looked
for, and what in the configuration could reach the network."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from localqa.builder import Builder


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def network(builder: Builder) -> dict[str, Any]:
    s = builder.settings
    checks: dict[str, Any] = {
        "chroma": f"server {s.chroma_host}:{s.chroma_port}" if s.chroma_host else "embedded",
        "chroma_telemetry": "off (always)",
        "embedder": s.embed_model or "packaged all-MiniLM-L6-v2 (local files)",
        "hub_downloads": "disabled (HF_HUB_OFFLINE set before any model loads)",
    }
    if s.embed_model and not Path(s.embed_model).is_dir():
        checks["problem"] = f"embed_model {s.embed_model} is not a local folder"
    host = s.chroma_host
    if host and host not in LOCAL_HOSTS:
        checks["warning"] = f"chroma_host {host} is another machine: chunks travel over the network"
    if s.llm_url:
        checks["model_server"] = s.llm_url
        server = urlsplit(s.llm_url).hostname or ""
        if server not in LOCAL_HOSTS:
            checks["model_server_warning"] = (
                f"llm_url {server} is another machine: questions and document passages "
                "travel over the network to it"
            )
    return checks


def configuration(builder: Builder) -> dict[str, Any]:
    """Where the settings and the models are looked for: two of the places depend on the
    directory localqa runs in."""
    path, how = builder.config_source()
    homes, here = builder.models_dirs()
    facts: dict[str, Any] = {
        "config_file": f"{path} ({how})" if path else how,
        "models_folders": f"{homes}, then {here} (the current directory's models folder)",
    }
    if roots := builder.settings.source_roots:  # where this machine mounts shared folders
        facts["source_roots"] = {
            name: str(folder) if folder.is_dir() else f"{folder}: no such folder here"
            for name, folder in roots
        }
    return facts
