"""The GGUF file of a local model: found in a folder, checked, and opened by llama.cpp.

`llama_cpp` is imported inside `open_llama` only, so that importing this module (for
`find_model`, `check_gguf` or `ModelError`) stays cheap and works where llama.cpp is absent.
The loaded model's tokenizer and generation are `LocalModel`'s (generation/model.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localqa.errors import LocalqaError
from localqa.generation.llama_setup import ComputePlan, model_params

GGUF_MAGIC = b"GGUF"


class ModelError(LocalqaError):
    """The model cannot be found or loaded; the message is one line a person can act on."""


def find_model(explicit: str, models_dir: Path) -> Path | None:
    """The explicit path if given, else the single .gguf in `models_dir`, else None."""
    if explicit:
        return Path(explicit).expanduser()
    if not models_dir.is_dir():
        return None
    found = sorted(p for p in models_dir.glob("*.gguf") if p.is_file())
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ModelError(f"{models_dir} holds several models ({names}); pick one with --model PATH")
    return found[0] if found else None


def check_gguf(path: Path) -> None:
    """Fail with one actionable line unless `path` is a readable GGUF file."""
    if not path.exists():
        raise ModelError(f"model file {path} does not exist; pass a .gguf file with --model")
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a model file; pass the .gguf with --model")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(GGUF_MAGIC))
    except OSError as err:
        raise ModelError(
            f"cannot read model file {path} ({err.strerror}); check its permissions"
        ) from err
    if magic != GGUF_MAGIC:
        raise ModelError(
            f"{path} is not a GGUF model (it does not start with 'GGUF'); "
            "download a .gguf build of the model or convert it with llama.cpp"
        )


def open_llama(path: Path, n_ctx: int, layers: int, plan: ComputePlan, extra_buffers: bool) -> Any:
    """llama.cpp's model on `path`, with a context of `n_ctx` tokens, `layers` on the GPU and
    `plan`'s threads and batches. Raises ModelError, one line saying what to do."""
    import llama_cpp

    try:
        with model_params(extra_buffers):
            # verbose=False routes llama.cpp's log through a callback that drops everything
            # below ERROR and silences stdout/stderr while the model loads.
            return llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_gpu_layers=layers,
                n_threads=plan.threads,
                n_threads_batch=plan.threads_batch,
                n_batch=plan.n_batch,
                n_ubatch=plan.n_ubatch,
                # Flash attention doubles prompt processing on the GPU (GPU.md).
                flash_attn=plan.flash_attn,
                verbose=False,
            )
    except (ValueError, RuntimeError, OSError) as err:
        if "llama_context" in str(err):  # the weights loaded; the context did not fit
            raise ModelError(
                f"llama.cpp read {path} but could not make a context of {n_ctx} tokens "
                f"({err}): not enough memory for it; set a smaller n_ctx"
            ) from err
        raise ModelError(
            f"llama.cpp could not load {path} ({err}); the file may be truncated or need "
            "a newer llama-cpp-python: download it again or upgrade"
        ) from err
