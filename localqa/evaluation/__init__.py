"""Retrieval quality on a question set: is the answer inside the context `ask` would give?

Each question runs through the same `Retriever` and `pack_context` budget as `localqa ask`,
so the figures describe what the model is actually shown. The parts: the question file
(questions.py), whether a chunk holds a gold answer or is the expected page
(matching.py), the run of each question through retrieval (runner.py), the figures over a
set (metrics.py), and public benchmark sets turned into question files (converters.py).
"""
