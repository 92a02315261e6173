"""`localqa index repair`: the index rebuilt from what is left of it, cheapest first.

1. A catalog that cannot be read (truncated, pages overwritten, not a database) is set
   aside, kept, with the lexical copy and the embedded vectors it described, and the
   index is rebuilt by re-ingesting the folders it was built from (the build record keeps
   them and their roots' names; else whatever of the old catalog still reads names them),
   each where this machine mounts its root (`source_roots`), its documents keyed as before.
2. Otherwise, from the stored chunk text, no file re-read: the FTS5 index when its rows
   and the chunks disagree, then the BM25 arrays; vectors a chunk lacks are re-embedded,
   vectors of no chunk deleted; a vector store that cannot be searched (a segment file
   lost) is set aside and every chunk re-embedded.
Each step is one line through `say`; the index's integrity afterwards is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from localqa.errors import IndexDamaged
from localqa.store.faults import VectorStoreError
from localqa.store.index import CATALOG_FILE, Index, IndexMissing
from localqa.store.integrity import Integrity, check
from localqa.store.record import recorded_named_roots, recorded_roots
from localqa.store.repair import (
    CATALOG_FILES,
    catalog_unreadable,
    rebuild_lexical,
    reembed,
    salvage_catalog,
    salvage_named_roots,
    salvage_roots,
    set_aside,
    set_vectors_aside,
)
from localqa.store.roots import name_roots

if TYPE_CHECKING:
    from localqa.embedding.embedder import Embedder
    from localqa.sections import IngestSettings, StoreSettings

Say = Callable[[str], None]


def repair(store: StoreSettings, embedder: Embedder, ingest: IngestSettings, say: Say) -> Integrity:
    """Repair the index of `store` (see the module docstring); its integrity afterwards.
    Raises IndexMissing, IndexBusy, StorageError, VectorStoreError (a server down), and
    IndexDamaged when a lost catalog names nothing to re-ingest."""
    if not Index.exists(store):
        raise IndexMissing(f"no index {store.index!r} in {store.home}; nothing to repair")
    if why := catalog_unreadable(store.index_dir / CATALOG_FILE):
        _rebuild_catalog(store, embedder, ingest, why, say)
    else:
        _repair_parts(store, embedder, check(store), say)
    after = check(store)
    say("the index is whole" if not after.damaged else "still damaged: see `localqa doctor`")
    return after


def _rebuild_catalog(
    store: StoreSettings, embedder: Embedder, ingest: IngestSettings, why: str, say: Say
) -> None:
    from localqa.ingest.pipeline import Ingestor
    from localqa.ingest.progress import PlainProgress

    path = store.index_dir / CATALOG_FILE
    roots = recorded_roots(store.index_dir) or salvage_roots(path)  # beside the catalog
    named = recorded_named_roots(store.index_dir) or salvage_named_roots(path)
    # an older record names none: the folders named as a new catalog would name them
    named = named or {n: (p, "") for n, p in name_roots(roots, {}).items()}
    aside = set_aside(store.index_dir, [*CATALOG_FILES, "lexical"], copy=["build.json"])
    if counts := salvage_catalog(aside / CATALOG_FILE, path, named):
        say(
            f"the catalog {path} could not be read as it was ({why}): set aside in {aside}; "
            f"its {counts[0]} documents and {counts[1]} chunks were read back into a new "
            "catalog (no file re-read)"
        )
        _repair_parts(store, embedder, check(store), say)  # its FTS5 index is new: arrays
        return
    if not store.chroma_host:  # its vectors are of chunks that are re-made: kept aside too
        set_aside(store.index_dir, ["chroma"])
    if not roots:
        raise IndexDamaged(
            f"the catalog {path} could not be read ({why}); set aside in {aside}. Nothing "
            "records which folders were ingested: run `localqa ingest PATH` again"
        )
    with Index(store) as index:
        folders = _where_here(index, named, roots)
        quiet = PlainProgress(quiet=True)
        report = Ingestor(index, embedder, ingest, quiet, never=[store.home]).run(folders)
    where = "" if not store.chroma_host else "; the old collection stays on the server"
    say(
        f"the catalog {path} could not be read ({why}): set aside in {aside}{where}, and "
        f"rebuilt by re-ingesting {', '.join(map(str, folders))}: {len(report.added)} "
        f"documents, {report.chunks} chunks"
        + (f", {len(report.failed)} failed (see `localqa ingest`)" if report.failed else "")
    )


def _where_here(index: Index, named: Mapping[str, tuple[str, str]], roots: list[str]) -> list[Path]:
    """The recorded `roots` (as the index keys them) where this machine has them, once the
    new catalog names its roots as the lost one did (`named`: name -> (path, machine)):
    each through the `source_roots` mount of its root, so its documents are keyed as
    before."""
    with index.writing():
        for name, (root, machine) in named.items():
            index.catalog.name_root(name, root, machine)
    paths = index.paths()
    return [Path(paths.local(r)) for r in roots]


def _repair_parts(store: StoreSettings, embedder: Embedder, found: Integrity, say: Say) -> None:
    lexical, arrays, vectors = (found.part(p) for p in ("lexical_index", "bm25_arrays", "vectors"))
    with Index(store) as index, index.writing():
        if lexical is not None and not lexical.ok:
            aside = set_aside(store.index_dir, [], copy=[CATALOG_FILE])
            count = rebuild_lexical(index)
            say(f"lexical index rebuilt from the stored text of {count} chunks ({aside} kept)")
        elif arrays is not None and not arrays.ok:
            if (index.path / "lexical").exists():
                set_aside(store.index_dir, ["lexical"])
            say("BM25 arrays rewritten from the lexical index")  # by writing() on its way out
        if vectors is not None and not vectors.ok:
            _repair_vectors(index, embedder, found, say)


def _repair_vectors(index: Index, embedder: Embedder, found: Integrity, say: Say) -> None:
    finding = found.part("vectors")
    if finding is not None and not finding.repair:  # a server down: nothing to rebuild here
        raise VectorStoreError(finding.detail)
    if not found.missing_vectors and not found.extra_vectors:
        # not searchable (a lost segment file) or not the index's own: start it anew
        kept = set_vectors_aside(index)
        count = reembed(index, embedder.embed)
        say(f"vector store set aside ({kept}); {count} chunks re-embedded from stored text")
        return
    if found.missing_vectors:
        count = reembed(index, embedder.embed, found.missing_vectors)
        say(f"{count} missing vectors re-embedded from the stored chunk text")
    if found.extra_vectors:
        index.vectors.delete(found.extra_vectors)
        say(f"{len(found.extra_vectors)} vectors of no chunk of this catalog deleted")
