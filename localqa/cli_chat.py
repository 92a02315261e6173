"""`localqa chat`: the terminal UI (the tui package is imported only when it runs)."""

from __future__ import annotations
