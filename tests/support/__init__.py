"""Reusable test helpers (GGUF factory, fixtures)."""
