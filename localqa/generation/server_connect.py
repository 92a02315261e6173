"""Connecting to the model server at `llm_url`: which model, which tokenizer, how large a
window; the `ServerModel` (generation/server.py) that results.

- Model: `llm_model`, else the one model the server lists (GET /v1/models).
- Tokenizer: `llm_tokenizer` (a .gguf or tokenizer.json), checked against the server's
  tokenize endpoint where it has one; else that endpoint, piece by piece; else an
  estimate (generation/server_vocab.py).
- Window: `llm_n_ctx`, never more than the server says (llama.cpp's /props, vLLM's
  max_model_len); else what the server says; else `n_ctx`, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.generation.server import ServerModel
from localqa.generation.server_http import ModelServerError, ServerClient, tokenizer
from localqa.generation.server_tokenizer import local_vocabulary
from localqa.generation.server_vocab import CountingVocabulary, ServerVocabulary, TokenizerError

if TYPE_CHECKING:
    from localqa.sections import GenerationSettings

# A sentence every tokenizer splits into many tokens, to compare llm_tokenizer with the
# server's: words, digits, punctuation, accents, CJK, a newline.
PROBE = "Leave: 18 weeks (naïve café), 第3条.\nSee [2]!"
# The tokenize endpoint only llama-cpp-python's server has; it computes a prompt the way
# ServerModel's `in_steps` expects.
LLAMA_CPP_PYTHON = "/extras/tokenize"


def connect(settings: GenerationSettings) -> ServerModel:
    """Reach the server at `settings.llm_url`: its model, tokenizer and window. Raises
    ModelServerError (down, refused, no such model) or TokenizerError."""
    key = settings.llm_api_key.get_secret_value()
    client = ServerClient(settings.llm_url, key, settings.llm_timeout_s)
    vocab: ServerVocabulary | None = None
    try:
        listed = _models(client)
        model_id = _chosen(client, settings.llm_model, listed)
        endpoint = tokenizer(client, model_id)
        vocab, source = _vocabulary(client, settings.llm_tokenizer, endpoint)
        warnings: list[str] = []
        facts = listed[model_id]
        window, said = _window(client, settings, facts, warnings)
        in_steps = endpoint is not None and endpoint[0] == LLAMA_CPP_PYTHON
        in_steps = in_steps and vocab.counting == "exact"
        model = ServerModel(client, model_id, vocab, window, warnings, _n_params(facts), in_steps)
    except BaseException:
        client.close()
        if vocab is not None:
            vocab.close()
        raise
    model.window_source, model.tokenizer_source = said, source
    if model.counting != "exact":
        how = (
            "counted by the server's tokenizer, piece by piece"
            if model.counting == "server"
            else "estimated from their length"
        )
        warnings.append(
            f"token counts for {client.url} are {how}: the token budget is an estimate "
            f"and {model.margin} tokens of the window are kept free; set llm_tokenizer "
            "to the model's .gguf or tokenizer.json for exact counts"
        )
    return model


def _models(client: ServerClient) -> dict[str, dict[str, Any]]:
    """The server's models by id (GET /models), each with what it says of it."""
    answer = client.get("/models")
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list):
        raise ModelServerError(
            f"model server {client.url}/models did not list models; check that llm_url is "
            "an OpenAI-compatible /v1 address"
        )
    return {str(m["id"]): m for m in data if isinstance(m, dict) and "id" in m}


def _chosen(client: ServerClient, wanted: str, listed: dict[str, dict[str, Any]]) -> str:
    if wanted and wanted in listed:
        return wanted
    names = ", ".join(sorted(listed)) or "none"
    if not wanted and len(listed) == 1:
        return next(iter(listed))
    if not wanted:
        raise ModelServerError(
            f"model server {client.url} serves several models ({names}); set llm_model to one"
        )
    raise ModelServerError(
        f"model server {client.url} does not serve {wanted!r} (it serves: {names}); set "
        "llm_model to one of them"
    )


Endpoint = tuple[str, Callable[[str], list[int]]] | None


def _vocabulary(
    client: ServerClient, named: str, endpoint: Endpoint
) -> tuple[ServerVocabulary, str]:
    """The tokenizer, and where it came from (for `doctor`)."""
    if named:
        vocab = local_vocabulary(Path(named))
        if endpoint is None:
            return vocab, f"{named} (the server has no tokenize endpoint to check it by)"
        try:
            _same_tokenizer(vocab, endpoint[1], named, client.url)
        except BaseException:
            vocab.close()
            raise
        return vocab, f"{named} (tokenizes as the server's {endpoint[0]} does)"
    if endpoint is None:
        return CountingVocabulary(), "none: the server has no tokenize endpoint; estimated"
    tokenize = endpoint[1]
    extra = max(0, len(tokenize("a")) - 1)  # a BOS the endpoint puts before every text
    counting = CountingVocabulary(lambda text: len(tokenize(text)) - extra, tokenize)
    return counting, f"the server's {endpoint[0]}, piece by piece"


def _same_tokenizer(
    vocab: ServerVocabulary, server: Callable[[str], list[int]], named: str, url: str
) -> None:
    """Fail unless `vocab` tokenizes the probe as the server does (with or without BOS)."""
    there = server(PROBE)
    here = vocab.tokenize(PROBE)
    if there not in (here, [vocab.bos, *here]):
        raise TokenizerError(
            f"llm_tokenizer {named} does not tokenize like the model at {url} (a probe "
            f"sentence gives {len(here)} tokens here, {len(there)} there); name the "
            "tokenizer of the model the server runs"
        )


def _window(
    client: ServerClient,
    settings: GenerationSettings,
    facts: dict[str, Any],
    warnings: list[str],
) -> tuple[int, str]:
    """The context window and where it came from."""
    said = _said_window(client, facts)
    if settings.llm_n_ctx:
        if said and said < settings.llm_n_ctx:
            warnings.append(
                f"llm_n_ctx {settings.llm_n_ctx} is more than the {said} tokens "
                f"the server at {client.url} has; using {said}"
            )
            return said, "the server's"
        return settings.llm_n_ctx, "llm_n_ctx"
    if said:
        return said, "the server's"
    warnings.append(
        f"the server at {client.url} does not say its context size; assuming n_ctx "
        f"{settings.n_ctx}: set llm_n_ctx to the server's"
    )
    return settings.n_ctx, "n_ctx: the server does not say; set llm_n_ctx"


def _said_window(client: ServerClient, facts: dict[str, Any]) -> int:
    size = facts.get("max_model_len")  # vLLM
    if isinstance(size, int) and size > 0:
        return size
    props = client.optional("GET", "/props")  # llama.cpp's server
    settings = props.get("default_generation_settings") if isinstance(props, dict) else None
    size = settings.get("n_ctx") if isinstance(settings, dict) else None
    return size if isinstance(size, int) and size > 0 else 0


def _n_params(facts: dict[str, Any]) -> int:
    meta = facts.get("meta")  # llama.cpp's server
    n = meta.get("n_params") if isinstance(meta, dict) else None
    return n if isinstance(n, int) else 0


__all__ = ["ModelServerError", "TokenizerError", "connect"]


def server_problem(settings: GenerationSettings, timeout_s: float) -> str:
    """The one line on why the model server at `llm_url` does not list its models within
    `timeout_s`; "" when it does (`localqa serve`'s /healthz)."""
    from localqa.generation.server_http import ModelServerError, ServerClient

    client = ServerClient(settings.llm_url, settings.llm_api_key.get_secret_value(), timeout_s)
    try:
        client.get("/models")
    except ModelServerError as err:
        return " ".join(str(err).split())
    finally:
        client.close()
    return ""
