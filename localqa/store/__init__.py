"""Storage of one named index. base.py: the protocols readers and the writer depend on, and
the visibility contract every implementation keeps. The embedded implementation: index.py
(`Index`) over one SQLite file (database.py: catalog.py, chunks.py, fts.py with the BM25
arrays of lexical.py), Chroma vectors (vectors.py) and the writer lock (lock.py)."""
