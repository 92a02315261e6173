"""`localqa ask --server URL`: the question answered by a `localqa serve` instead of a
local index, shown as a local answer is (the same printing: localqa/cli/answer.py). No
index, embedder or model is loaded here."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.errors import UsageError
from localqa.text import terminal_safe

if TYPE_CHECKING:
    from localqa.answering.presentation import Presentation
    from localqa.client.http import Asked


def refuse_local_options(**given: object) -> None:
    """A UsageError naming the first local-only option given beside --server."""
    for option, value in given.items():
        if value:
            name = "--" + option.replace("_", "-")
            raise UsageError(f"{name} is the server's to choose: leave it out with --server")


def ask_server(
    url: str,
    question: str,
    config: Path | None,
    top_k: int | None,
    sources: Sequence[str],
    as_json: bool,
    show: Callable[[Presentation], None],
    note_cut: Callable[[bool], None],
) -> None:
    """Ask the server at `url`, with the `api_token` setting (LOCALQA_API_TOKEN) as its
    token: the tokens printed as they come, then the answer `show`n as `localqa ask`
    shows a local one; `--json` the server's object as it came, but each cited file's
    path where this machine's `source_roots` mount its root; then `note_cut` says
    whether the question was cut for the dense search. Raises ServerError (one
    line, exit 1), UsageError, ConfigError."""
    from localqa.client.http import ServerClient
    from localqa.config import load_settings
    from localqa.store.roots import on_this_desk

    settings = load_settings(config_file=config)
    client = ServerClient(url, settings.serving.api_token)
    mounts = settings.source_roots  # each cited file where this machine mounts its root
    try:
        if as_json:
            from localqa.cli.common import emit_json

            answer = on_this_desk(client.answer(question, top_k, sources), mounts)
            emit_json(answer)
        else:
            answer = _streamed(client.ask(question, top_k, sources), show, mounts)
        note_cut(bool(answer.get("question_cut")))
    finally:
        client.close()


def _streamed(
    asked: Asked, show: Callable[[Presentation], None], mounts: Sequence[tuple[str, Path]]
) -> dict[str, Any]:
    """The tokens as they come, then the answer shown (its files where `mounts` put them
    here); its JSON."""
    from localqa.answering.answer_json import answer_from_json
    from localqa.answering.presentation import present
    from localqa.store.roots import on_this_desk

    for event in asked.events:
        if event.answer is not None:
            answer: dict[str, Any] = on_this_desk(event.answer, mounts)
            show(present(answer_from_json(answer), asked.quotes_only))
            return answer
        if event.kind == "token":
            sys.stdout.write(terminal_safe(event.text))
            sys.stdout.flush()
    raise AssertionError("the events end with the answer or raise ServerError")
