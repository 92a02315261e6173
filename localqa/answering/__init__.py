"""Answers with citations: generated or extracted, every sentence checked against its
sources; follow-up questions; saved conversations."""
