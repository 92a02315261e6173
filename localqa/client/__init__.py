"""A client of `localqa serve` (http.py) for `localqa ask --server` and `localqa chat
--server` (chat.py). It loads no index, no embedder and no model: no torch, chromadb or
llama_cpp (tests/test_imports.py)."""
