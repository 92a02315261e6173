"""The shared index: catalog, chunk text and lexical search in PostgreSQL (connection.py,
catalog.py, chunks.py, lexical.py), ingest runs sharing the work by claims (claims.py),
vectors in Chroma; index.py (`PgIndex`) puts them together behind the store protocols."""
