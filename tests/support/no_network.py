"""Run the localqa CLI with every internet socket refused, counting attempts.

Used as `python tests/support/no_network.py ARGS...`: exits with the CLI's status, and
prints `NETWORK-ATTEMPTS=<n>` last on stderr. Unix-domain sockets stay allowed.
"""

from __future__ import annotations

import atexit
import socket
import sys

ATTEMPTS: list[str] = []
_real_socket = socket.socket


class GuardedSocket(_real_socket):
    def __init__(
        self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None
    ) -> None:
        internet = family in (socket.AF_INET, socket.AF_INET6) or (family == -1 and fileno is None)
        if internet:
            ATTEMPTS.append(f"socket(family={family})")
            raise OSError("network blocked by the localqa test")
        super().__init__(family, type, proto, fileno)


def _refuse(*args: object, **kwargs: object) -> None:
    ATTEMPTS.append(f"connect{args[:1]}")
    raise OSError("network blocked by the localqa test")


def main() -> None:
    socket.socket = GuardedSocket  # type: ignore[misc]
    socket.create_connection = _refuse  # type: ignore[assignment]
    socket.getaddrinfo = _refuse  # type: ignore[assignment]
    atexit.register(lambda: print(f"NETWORK-ATTEMPTS={len(ATTEMPTS)} {ATTEMPTS}", file=sys.stderr))
    if sys.argv[1:] == ["--self-test"]:  # proves the guard bites
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    from localqa.cli import main as cli_main

    sys.argv = ["localqa", *sys.argv[1:]]
    cli_main()


if __name__ == "__main__":
    main()
