"""Hybrid retrieval (dense + BM25, fused), sentence re-ranking, an optional cross-encoder
reranker, and packing into the context budget."""
