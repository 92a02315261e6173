"""`localqa mcp`: the index and the answerer as Model Context Protocol tools, for agent
hosts (editors, desktop assistants, agent frameworks) that start `localqa mcp` as a
subprocess and speak MCP over its stdin and stdout (the official `mcp` SDK's MCPServer,
stdio transport).

Tools (their JSON results are both the structured content and its text):
- `search(query, top_k=5, sources=None)` -> `{"passages": [{file, abs_path, page, lines,
  text, score}]}`: what hybrid retrieval ranks first, best first;
- `ask(question, top_k=None, sources=None)` -> the answer object `localqa ask --json`
  prints (checked, cited; extractive without a model);
- `sources()` -> `{"sources": [...]}`, the documents as `localqa sources --json` lists them.

A failure is a tool error (`isError`) whose text is one readable line, never a traceback.
Stdout carries the protocol only: while the index and the model load, anything written
to file descriptor 1 (llama.cpp's C code included) goes to stderr instead, and the SDK
diverts it the same way while it serves.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import aclosing, contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult, ToolAnnotations
from pydantic import AfterValidator, Field, ValidationError

from localqa.errors import LocalqaError
from localqa.server.engine import Engine
from localqa.server.requests import MAX_QUESTION_CHARS, reason

if TYPE_CHECKING:
    from localqa.builder import Builder
    from localqa.schema import ScoredChunk

log = logging.getLogger("localqa.mcp")

MAX_SEARCH_TOP_K = 50  # passages one search returns at most
MAX_SOURCES = 100  # documents one call may name


def _has_a_word(value: str) -> str:
    if not any(ch.isalnum() for ch in value):
        raise ValueError("the question has no word in it")
    return value


Question = Annotated[
    str,
    Field(min_length=1, max_length=MAX_QUESTION_CHARS),
    AfterValidator(_has_a_word),
]
Sources = Annotated[
    list[str] | None,
    Field(
        max_length=MAX_SOURCES,
        description="Only these documents (names as the sources tool lists them, or paths); "
        "none: all.",
    ),
]
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


class LocalqaMCP(MCPServer[Any]):
    """MCPServer whose tool errors are one line each: a bad argument says which and why
    (`top_k: Input should be less than or equal to 50`), a localqa error is its own line,
    and a crash names its type, not the SDK's bare `Error executing tool`."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as err:
            cause = err.__cause__
            if isinstance(cause, ValidationError):
                line = reason(cause.errors())
            elif isinstance(cause, ToolError | LocalqaError):
                line = _one_line(cause)
            elif isinstance(err, UnexpectedToolError) and cause is not None:
                log.warning("tool %s failed: %s: %s", name, type(cause).__name__, cause)
                log.debug("tool %s failed", name, exc_info=cause)
                line = f"{name} failed: {type(cause).__name__}: {_one_line(cause)}"
            else:  # the SDK's own, e.g. an unknown tool
                line = _one_line(err)
            raise ToolError(line) from cause


def create_server(engine: Engine) -> LocalqaMCP:
    """The MCP server of `engine`'s index and answerer (loaded: `Engine.load` first)."""
    from localqa import __version__

    server = LocalqaMCP(
        "localqa",
        title="localqa",
        version=__version__,
        instructions="Cited answers from the indexed documents: `search` for passages, "
        "`ask` for a checked answer whose every claim cites file, page and lines, "
        "`sources` for what is indexed.",
        log_level="WARNING",
    )
    _add_tools(server, engine)
    return server


def _add_tools(server: LocalqaMCP, engine: Engine) -> None:
    """The tools `search`, `ask` and `sources` on `server`, answered by `engine`."""

    @server.tool(annotations=READ_ONLY)
    async def search(
        query: Question,
        top_k: Annotated[int, Field(ge=1, le=MAX_SEARCH_TOP_K)] = 5,
        sources: Sources = None,
    ) -> dict[str, Any]:
        """Passages of the indexed documents that best match the query (hybrid dense and
        keyword search), best first: each with its file, page, line span, text and score
        (higher is better; comparable within one search only)."""
        documents = await _documents(engine, sources or ())
        with _place(engine):
            found = await engine.search(query.strip(), top_k, documents)
        return {"passages": engine.localized([_passage(result) for result in found])}

    @server.tool(annotations=READ_ONLY)
    async def ask(
        question: Question,
        top_k: Annotated[int | None, Field(ge=1, le=100)] = None,
        sources: Sources = None,
    ) -> dict[str, Any]:
        """A checked, cited answer from the indexed documents, the same object as
        `localqa ask --json`: `answer`, `mode` (extractive: quoted passages; generative:
        written by the model), `verdict` (what the reader was shown:
        supported, shown-with-quotes, unsupported or abstained), `grounded`, `abstained`,
        `citations` (file, page, lines, quote, support), `unsupported_sentences`,
        `contexts`, `timings` and `question_cut` (only the question's first part was
        embedded)."""
        documents = await _documents(engine, sources or ())
        with _place(engine):
            return await _answer(engine, question, top_k, documents)

    @server.tool(annotations=READ_ONLY)
    async def sources() -> dict[str, Any]:
        """The indexed documents: path, last page, chunks, when ingested, absolute path,
        and whether the file is missing now."""
        return {"sources": await engine.sources()}


@contextmanager
def _place(engine: Engine) -> Iterator[None]:
    """A place in the engine's queue while the call runs; Busy (one line) when full."""
    engine.admit()
    try:
        yield
    finally:
        engine.release()


async def _documents(engine: Engine, names: Sequence[str]) -> list[str]:
    from localqa.store.index import SourceNotFound

    paths: list[str] = []
    for name in names:
        try:
            paths += await engine.documents([name])
        except SourceNotFound:
            raise ToolError(
                f"source {name!r} is not in the index; the sources tool lists them"
            ) from None
    return paths


async def _answer(
    engine: Engine, question: str, top_k: int | None, documents: list[str]
) -> dict[str, Any]:
    from localqa.answering.presentation import Shown

    async with aclosing(engine.stream(question, top_k, documents)) as events:
        async for event in events:
            if isinstance(event, Shown):
                cut = await engine.question_cut(question, top_k)
                answer = {**event.presentation.answer.as_json(), "question_cut": cut}
                return dict(engine.localized(answer))
    raise AssertionError("every shown_stream ends with Shown")


def _passage(result: ScoredChunk) -> dict[str, Any]:
    chunk = result.chunk
    return {
        "file": chunk.source,
        "abs_path": chunk.abs_path,
        "page": chunk.page,
        "page_label": chunk.page_label,  # a sheet's name ("" elsewhere): lines are its rows
        "lines": [chunk.line_start, chunk.line_end],
        "text": chunk.text,
        "score": round(result.score, 6),
    }


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """File descriptor 1 points at stderr meanwhile: what loading prints (llama.cpp's C
    code writes there itself) cannot corrupt the protocol."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def serve_stdio(builder: Builder, use_model: bool = True) -> None:
    """Open `builder`'s index and load its model (`use_model` False, or none configured:
    extractive), then answer MCP requests on stdin/stdout until stdin closes. Raises
    IndexMissing, ModelError (before any request is read)."""
    engine = Engine(builder, builder.settings.serving.max_queue, use_model)

    async def main() -> None:
        with _stdout_to_stderr():
            await engine.load()
        about = await engine.describe()
        print(
            f"localqa mcp: index {about['index']} ({about['documents']} documents), "
            f"{about['model'] or 'extractive answers'}; MCP on stdin/stdout",
            file=sys.stderr,
            flush=True,
        )
        await create_server(engine).run_stdio_async()

    try:
        anyio.run(main)
    finally:
        engine.close()
