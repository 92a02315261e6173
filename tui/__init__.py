"""The interactive terminal UI (Textual). Only `localqa chat` imports this package."""
