"""The doctor's model sections: the GGUF files found (size, quantisation, architecture,
SHA-256) with the prompt layout and the threads of the one `ask` would load, a model server
at `llm_url`, and whether llama.cpp can offload to a GPU."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.errors import LocalqaError

if TYPE_CHECKING:
    from localqa.builder import Builder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _model_facts(path: Path) -> dict[str, Any]:
    """Size, quantisation, architecture and training context of a GGUF, from its header
    and metadata alone (llama.cpp reads them in well under a second; the `gguf` package's
    reader parsed every tensor and vocabulary entry: 108 s for a 253 MB model), and its
    SHA-256 (a second or so per 250 MB)."""
    facts: dict[str, Any] = {"size_mb": round(path.stat().st_size / 1e6, 1)}
    try:
        facts.update(_gguf_metadata(path))
    except (ImportError, ValueError, OSError, RuntimeError) as err:
        facts["metadata"] = f"unreadable ({err})"
    facts["sha256"] = _sha256(path)
    return facts


def _gguf_metadata(path: Path) -> dict[str, Any]:
    import llama_cpp
    from gguf import LlamaFileType

    from localqa.generation.llama_setup import route_llama_log

    route_llama_log()  # llama.cpp's own lines go to the log, not over the report
    vocab = llama_cpp.Llama(str(path), vocab_only=True, verbose=False)
    try:
        meta = dict(vocab.metadata)
    finally:
        vocab.close()
    arch = meta.get("general.architecture", "unknown")
    file_type = meta.get("general.file_type", "")
    try:
        quantisation = LlamaFileType(int(file_type)).name.removeprefix("MOSTLY_")
    except ValueError:
        quantisation = f"file type {file_type or 'not stated'}"
    return {
        "name": meta.get("general.name", path.stem),
        "architecture": arch,
        "quantisation": quantisation,
        "trained_context": meta.get(f"{arch}.context_length", "not stated"),
    }


def _layout(builder: Builder, path: Path) -> str:
    """The prompt layout `ask` would use with this model, and why (loads it briefly)."""
    from localqa.generation.model import LocalModel

    try:
        model = LocalModel.load(path, n_ctx=256, n_gpu_layers=0)
    except (LocalqaError, ImportError) as err:
        return f"unknown ({err})"
    try:
        info = builder.describe(model=model)
    finally:
        model.close()
    return f"{info.layout} ({info.layout_reason})"


def _threads(builder: Builder) -> str:
    """How llama.cpp's threads are chosen, and whether greedy answers follow the load."""
    from localqa.generation.cpu_load import usable_cores
    from localqa.generation.llama_setup import threads_line

    return threads_line(builder.settings.threads, usable_cores())


def model_files(builder: Builder) -> dict[str, Any]:
    if builder.settings.llm_url:
        return {"in_process": "none: the model is on a server (see model_server)"}
    found: dict[str, Any] = {}
    candidates = [Path(builder.settings.model_path)] if builder.settings.model_path else []
    for folder in builder.models_dirs():
        candidates += sorted(folder.glob("*.gguf")) if folder.is_dir() else []
    for path in candidates:
        found[str(path)] = _model_facts(path) if path.is_file() else "missing"
    try:
        chosen = builder.model_file()
    except LocalqaError:  # several models in a folder: the models section says which
        chosen = None
    if chosen is not None and isinstance(found.get(str(chosen)), dict):
        found[str(chosen)]["prompt_layout"] = _layout(builder, chosen)
        found[str(chosen)]["threads"] = _threads(builder)
    return found or {"none": builder.no_model_found()}


def model_server(builder: Builder) -> dict[str, Any]:
    """The server at `llm_url`: reachable, which model, its context, how tokens are counted
    and the prompt layout. The API key is said to be set, never shown."""
    from localqa.generation.layouts import choose_layout
    from localqa.generation.prompt import SYSTEM_PROMPT
    from localqa.generation.server_connect import connect

    s = builder.settings
    facts: dict[str, Any] = {
        "url": s.llm_url,
        "api_key": "set (not shown)" if s.llm_api_key.get_secret_value() else "not set",
    }
    try:
        model = connect(s.generation)
    except LocalqaError as err:
        return facts | {"reachable": f"no: {err}"}
    try:
        layout = choose_layout(model, SYSTEM_PROMPT, s.prompt_format)[1]
        facts |= {
            "reachable": "yes",
            "model": model.model_id,
            "context": f"{model.window} tokens ({model.window_source})",
            "tokenizer": model.tokenizer_source,
            "token_counts": model.counting,
            "prompt_layout": f"{layout.name} ({layout.reason})",
        }
        facts |= {f"warning_{i}": w for i, w in enumerate(model.warnings, 1)}
    finally:
        model.close()
    return facts


def gpu() -> dict[str, Any]:
    try:
        import llama_cpp

        offload = bool(llama_cpp.llama_supports_gpu_offload())
    except ImportError:
        return {"llama_cpp": "not installed"}
    return {"llama_cpp_gpu_offload": offload}
