"""Process-wide llama.cpp set-up that LocalModel needs before loading: where llama.cpp's log
goes, how many layers to offload, and which CPU weight buffers are safe on this CPU.

Like llm.py, it imports llama_cpp inside functions only.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any, Literal

NO_OFFLOAD_WARNING = (
    "this llama.cpp build cannot offload to a GPU; "
    "rebuild llama-cpp-python with CMAKE_ARGS=-DGGML_CUDA=on"
)
GGML_LOG_ERROR = 4
_log_callback: Any = None  # kept referenced: llama.cpp calls it for the whole process
_params_lock = threading.Lock()


def route_llama_log() -> None:
    """Send llama.cpp's own log to the `localqa.llama_cpp` logger (errors as warnings, the
    rest as debug) instead of stderr: llama-cpp-python's level table predates ggml's
    renumbering, so even with verbose=False it prints llama.cpp's warnings."""
    global _log_callback
    if _log_callback is not None:
        return
    import ctypes
    import logging

    import llama_cpp

    log = logging.getLogger("localqa.llama_cpp")

    def forward(level: int, text: bytes, _user: Any) -> None:
        severity = logging.WARNING if level == GGML_LOG_ERROR else logging.DEBUG
        log.log(severity, "%s", text.decode(errors="replace").rstrip())

    _log_callback = llama_cpp.llama_log_callback(forward)
    llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))


def offload_plan(requested: int | Literal["auto"], supported: bool) -> tuple[int, list[str]]:
    """The n_gpu_layers to pass to llama.cpp, and warnings for the user."""
    if requested == "auto":
        return (-1 if supported else 0), []
    if requested != 0 and not supported:
        return 0, [NO_OFFLOAD_WARNING]
    return requested, []


def extra_buffers_safe() -> bool:
    """False when this llama.cpp build runs AMX int8 kernels on this CPU: llama.cpp 0.3.x
    moves quantised weights into its AMX buffer type there (Sapphire Rapids and later) and
    then segfaults in the first decode (ggml-org/llama.cpp#20824); without extra buffer
    types it runs the ordinary CPU kernels."""
    import llama_cpp

    info = bytes(llama_cpp.llama_print_system_info()).decode(errors="replace")
    return "AMX_INT8 = 1" not in info


@contextlib.contextmanager
def model_params(use_extra_buffers: bool) -> Iterator[None]:
    """While open, llama_cpp.Llama() loads with llama.cpp's extra CPU buffer types (AMX,
    repacked weights) on or off. Llama() takes no argument for it and builds its parameters
    from llama_model_default_params(), so that function is wrapped for the duration; the lock
    keeps two loads from interleaving."""
    import llama_cpp.llama_cpp as lib

    with _params_lock:
        original = lib.llama_model_default_params

        def adjusted() -> Any:
            params = original()
            params.use_extra_bufts = use_extra_buffers
            return params

        lib.llama_model_default_params = adjusted
        try:
            yield
        finally:
            lib.llama_model_default_params = original
