"""The one exception base: every error a user can cause or fix is a `LocalqaError`.

The CLI turns any of them into one line, `localqa: error: <message>`, and exits with the
error's `exit_code`; the chat shows the same message. Each area subclasses it next to the
code that raises it (ConfigError in config, IndexMissing in the store, ModelError in
generation, ...), so a caller catches one type instead of a tuple.

Exit codes, the same for every command (the README's table):
  0    done, nothing failed
  1    an error explained in one line (a model or index server down, a file that failed)
  2    could not run: the command line or the configuration is wrong
  3    storage: no space, read-only, permission or I/O error on a local path
  4    the index is damaged: `localqa index repair` rebuilds it
  130  interrupted (Ctrl-C); what was stored stays
"""

from __future__ import annotations


class LocalqaError(Exception):
    """A failure explained in one line: what is wrong, and what to do. `http_status`: what
    `localqa serve` answers a request that fails with it (502: a model server failed, 503:
    a server of the index cannot be reached; else 500)."""

    exit_code = 1
    http_status = 500


class UsageError(LocalqaError):
    """The command line or the configuration asks for something impossible."""

    exit_code = 2


class StorageError(LocalqaError):
    """A local path cannot be written or read: no space, read-only, permission, I/O error."""

    exit_code = 3


class IndexDamaged(LocalqaError):
    """The index's files disagree or cannot be read; `localqa index repair` rebuilds them."""

    exit_code = 4
