"""The one exception base: every error a user can cause or fix is a `LocalqaError`.

The CLI turns any of them into one line, `localqa: error: <message>`, and exits with the
error's `exit_code`; the chat shows the same message. Each area subclasses it next to the
code that raises it (ConfigError in config, IndexMissing in the store, ModelError in
generation, ...), so a caller catches one type instead of a tuple.
"""

from __future__ import annotations


class LocalqaError(Exception):
    """A failure explained in one line: what is wrong, and what to do."""

    exit_code = 1


class UsageError(LocalqaError):
    """The command line or the configuration asks for something impossible."""

    exit_code = 2
