"""`localqa ingest`, `sources` and `forget`."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from localqa.cli.common import (
    INTERRUPTED,
    AmbiguousName,
    ConfigOpt,
    HomeOpt,
    IndexOpt,
    JsonOpt,
    emit_json,
    make_builder,
    own_process,
)
from localqa.errors import UsageError
from localqa.text import terminal_safe

if TYPE_CHECKING:
    from localqa.builder import Builder
    from localqa.ingest.report import IngestReport
    from localqa.schema import IndexedDocument
    from localqa.store.base import IndexReader
    from localqa.store.roots import PathMap

# `localqa sources`: the columns of its rows; the status only when a row has one
SOURCES_COLUMNS = ("document", "last page", "chunks", "ingested", "status")
NO_SUCH_PATH = "no such file or folder; check the path"  # the scan's reason too (ingest/scan.py)


def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would change; change nothing.")
    ] = False,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    ocr: Annotated[
        bool | None,
        typer.Option("--ocr/--no-ocr", help="Read PDF pages without a text layer by OCR."),
    ] = None,
    no_default_excludes: Annotated[
        bool,
        typer.Option(
            "--no-default-excludes",
            help="Read what the exclude setting leaves out (lock files, editor backups, "
            "dependency, build and version-control folders).",
        ),
    ] = False,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Read again the files that failed before and have not changed since.",
        ),
    ] = False,
) -> None:
    """Read, split, embed and store documents; only what changed is redone.

    Exit status:
    0: done (files that failed before and have not changed are listed, not read)
    1: a file failed (its line says why and what to do)
    2: could not run: no path given exists, or a setting is wrong
    130: interrupted; what was stored stays: run it again to continue
    """
    exclude = () if no_default_excludes else None
    builder = make_builder(config, index=index, home=home, ocr=ocr, exclude=exclude)
    own = own_process(ctx)
    absent = [p for p in paths if not p.expanduser().exists()]
    if absent and len(absent) < len(paths) and not quiet:  # said first, not after the run
        for path in absent:
            typer.echo(terminal_safe(f"FAILED {path}: {NO_SUCH_PATH}", one_line=True), err=True)
    if dry_run:
        report = _dry_run(builder, paths, own)
    else:
        report = _ingest(builder, paths, quiet, own, retry_failed)
    if as_json:
        emit_json(report.as_json())
    if len(absent) == len(paths):  # not one path exists: nothing could run, one line alone
        named = ", ".join(str(p) for p in absent)
        raise UsageError(f"{named}: {NO_SUCH_PATH}{'s' if len(absent) > 1 else ''}")
    if not quiet:
        for line in report.summary_lines():
            typer.echo(terminal_safe(line, one_line=True), err=True)
    if report.failed:
        raise typer.Exit(1)


def _ingest(
    builder: Builder, paths: list[Path], quiet: bool, own: bool, retry_failed: bool
) -> IngestReport:
    from localqa.ingest.progress import make_progress
    from localqa.ingest.report import IngestReport
    from localqa.ingest.scan import scan
    from localqa.ingest.shared import make_ingestor
    from localqa.store.open import index_exists

    # the paths first: asking a shared index's server whether it exists costs connections
    if not any(p.expanduser().exists() for p in paths) and not index_exists(builder.settings.store):
        settings = builder.settings.ingest
        found = scan(paths, settings.follow_outside_links, settings.exclude)
        return IngestReport(failed=found.failed)  # no index made for nothing to put in it

    with builder.index() as store:
        progress = make_progress(quiet=quiet)
        preparing = time.perf_counter()
        work = _embedder_work(builder, store)
        if work and not quiet:  # tens of seconds before the first file: say why
            typer.echo(
                f"preparing the embedding model ({', '.join(work)}; once for "
                f"{terminal_safe(str(builder.settings.cache_dir), one_line=True)})",
                err=True,
            )
        embedder = builder.embedder(store)
        prepared = time.perf_counter() - preparing
        ingestor = make_ingestor(
            store,
            embedder,
            builder.settings.ingest,
            progress,
            own_process=own,
            retry_failed=retry_failed,
            never=own_folders(builder),
        )
        try:
            report = ingestor.run(paths)
            report.prepare_seconds, report.prepared = prepared, ", ".join(work)
            return report
        except KeyboardInterrupt:
            progress.finish()
            stored = ingestor.stored()
            typer.echo(
                f"localqa: interrupted: {stored} file(s) stored and kept; run the same "
                "`localqa ingest` again to continue",
                err=True,
            )
            raise typer.Exit(INTERRUPTED) from None


def _embedder_work(builder: Builder, store: IndexReader) -> list[str]:
    """What `builder.embedder(store)` will do first (embedding/first_use.py), in words."""
    from localqa.embedding.first_use import first_use_work

    if builder.embedding_backend() == "torch":
        return []
    choice = builder.ingest_precision(store, measure=False)  # reads caches: exports nothing
    s = builder.settings
    return first_use_work(s.embed_model, s.cache_dir, choice.precision, choice.pending)


def own_folders(builder: Builder) -> tuple[Path, ...]:
    """localqa's own folders, never ingested: the home (the indexes) and the cache."""
    return (builder.settings.home, builder.settings.cache_dir)


def _dry_run(builder: Builder, paths: list[Path], own: bool) -> IngestReport:
    """The plan against the index as it is; an index not built yet is not created."""
    from pydantic import SecretStr

    from localqa.builder import Builder
    from localqa.ingest.pipeline import Ingestor
    from localqa.store.open import index_exists

    never = own_folders(builder)  # the real home's, not the scratch one's below
    with contextlib.ExitStack() as stack:
        if not index_exists(builder.settings.store):  # plan against an empty index that goes away
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="localqa-")))
            empty = {"home": scratch, "database_url": SecretStr("")}
            builder = Builder(builder.settings.model_copy(update=empty))
        store = stack.enter_context(builder.index())
        ingestor = Ingestor(
            store,
            builder.embedder(store, measure=False),
            builder.settings.ingest,
            own_process=own,
            never=never,
        )
        return ingestor.run(paths, dry_run=True)


def sources(
    index: IndexOpt = None, home: HomeOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False
) -> None:
    """List the documents in the index; say which files no longer exist, and which are on
    a share this machine does not reach (set source_roots to where it is mounted here)."""
    from localqa.store.roots import listed

    with make_builder(config, index=index, home=home).existing_index() as store:
        paths = store.paths()
        rows = [(d, listed(d, paths)) for d in store.catalog.documents()]
    if as_json:
        emit_json([row for _, row in rows])
        return
    names = Counter(d.source for d, _ in rows)
    marks = [
        "FILE MISSING" if r["missing"] else "" if r["reachable"] else "UNREACHABLE" for _, r in rows
    ]
    if rows:  # one row of column names, tab-separated as the rows are
        typer.echo("\t".join(SOURCES_COLUMNS[: 5 if any(marks) else 4]))
    for (d, row), mark in zip(rows, marks, strict=True):
        # two documents listed under one name (a folder ingested, renamed, ingested again)
        # are told apart by their full paths
        name = terminal_safe(row["abs_path"] if names[d.source] > 1 else d.source, one_line=True)
        marked = f"\t{mark}" if mark else ""
        typer.echo(f"{name}\t{d.last_page}\t{d.chunks}\t{d.ingested_at}{marked}")
    missing = sum(row["missing"] for _, row in rows)
    away = sum(not row["reachable"] for _, row in rows)
    note = (
        f"; {missing} whose file no longer exists (`localqa forget --missing`)" if missing else ""
    )
    if away:
        note += (
            f"; {away} on a folder this machine does not reach (UNREACHABLE: set "
            "source_roots to where it is mounted here)"
        )
    typer.echo(f"{len(rows)} document(s){note}", err=True)


def forget(
    path: Annotated[
        str | None,
        typer.Argument(
            help="A document: its path, its root's name and its path under it "
            "(policies/hr/leave.txt), or its file name or name as `sources` lists it when "
            "no other document has it."
        ),
    ] = None,
    missing: Annotated[
        bool, typer.Option("--missing", help="Forget every document whose file is gone.")
    ] = False,
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Remove one document's chunks from the index (or, with --missing, those of every
    document whose file no longer exists; none on a folder this machine does not reach)."""
    from localqa.store.index import SourceNotFound

    if (path is None) == (not missing):
        # a usage error (exit 2), as a missing argument is
        raise UsageError("give a document to forget, or --missing (not both)")
    builder = make_builder(config, index=index, home=home)
    with builder.existing_index(write=True) as store:
        paths = store.paths()
        documents = store.catalog.documents()
        if missing:
            matches = [d for d in documents if paths.missing(d.abs_path)]
        else:
            matches = _one_named(documents, paths, path or "")
        if not matches and not missing:
            raise SourceNotFound(
                f"{path} is not in index {builder.settings.index!r}; see `localqa sources`"
            )
        with store.writing():
            for doc in matches:
                store.forget(doc)
                where = paths.local(doc.abs_path)
                shown = terminal_safe(
                    f"{doc.source} ({doc.chunks} chunk{'' if doc.chunks == 1 else 's'}; {where})",
                    True,
                )
                typer.echo(f"forgot {shown}", err=True)
        if missing:
            typer.echo(
                f"{len(matches)} document(s) whose file no longer exists forgotten", err=True
            )


def _one_named(
    documents: list[IndexedDocument], paths: PathMap, name: str
) -> list[IndexedDocument]:
    """The document `name` means ([] none); an AmbiguousName listing them, one a line, when
    it means several (localqa/store/naming.py)."""
    from localqa.store.naming import named_documents, shown_name

    found = named_documents(documents, paths, name)
    if len(found.documents) > 1:
        raise AmbiguousName(
            f"{name} names {len(found.documents)} documents; nothing forgotten. Forget one "
            "by its path, or its root's name and its path under it:",
            sorted(shown_name(d, paths) for d in found.documents),
        )
    return list(found.documents)
