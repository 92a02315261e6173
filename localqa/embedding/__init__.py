"""Sentence embeddings from a local model: torch for documents, a torch-free path for
questions."""
