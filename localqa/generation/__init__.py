"""The local language model: llama.cpp set-up, prompt layouts and budgets, generation."""
