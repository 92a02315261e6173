"""Storage of one named index: chunks and documents (SQLite), BM25, vectors (Chroma), the
writer lock."""
