"""Run the localqa CLI with every internet socket refused, recording each attempt.

Used as `python tests/support/no_network.py ARGS...`: exits with the CLI's status and
prints, last on stderr, `NETWORK-CONNECTS=<n>` (attempts to reach an address) and
`NETWORK-SOCKETS=<files>` (where internet sockets were asked for; all were refused).
Unix-domain sockets stay allowed.

The reader processes the CLI spawns are guarded too: a spawned process runs this file
again as `__mp_main__` before anything else, and installs the same guard. Every guarded
process says so on stderr (`NETWORK-GUARDED <pid>`), and every refusal is written there
at once (`NETWORK-SOCKET <file>`, `NETWORK-CONNECT ...`), so that a reader killed before
its exit still leaves its record.
"""

from __future__ import annotations

import atexit
import os
import socket
import sys
import traceback

CONNECTS: list[str] = []
SOCKETS: list[str] = []
_real_socket = socket.socket


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _caller() -> str:
    frames = traceback.extract_stack()[:-2]
    return frames[-1].filename if frames else "?"


class GuardedSocket(_real_socket):
    def __init__(
        self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None
    ) -> None:
        internet = family in (socket.AF_INET, socket.AF_INET6) or (family == -1 and fileno is None)
        if internet:
            SOCKETS.append(_caller())
            _say(f"NETWORK-SOCKET {SOCKETS[-1]}")
            raise OSError("network blocked by the localqa test")
        super().__init__(family, type, proto, fileno)


def _refuse(*args: object, **kwargs: object) -> None:
    CONNECTS.append(f"{args[:1]} from {_caller()}")
    _say(f"NETWORK-CONNECT {CONNECTS[-1]}")
    raise OSError("network blocked by the localqa test")


def _report() -> None:
    print(f"NETWORK-SOCKETS={sorted(set(SOCKETS))}", file=sys.stderr)
    print(f"NETWORK-CONNECTS={len(CONNECTS)} {CONNECTS}", file=sys.stderr)


def install() -> None:
    socket.socket = GuardedSocket  # type: ignore[misc]
    socket.create_connection = _refuse  # type: ignore[assignment]
    socket.getaddrinfo = _refuse  # type: ignore[assignment]
    _say(f"NETWORK-GUARDED {os.getpid()}")


def main() -> None:
    install()
    atexit.register(_report)
    if sys.argv[1:] == ["--self-test"]:  # proves the guard bites
        socket.create_connection(("192.0.2.1", 80))
    from localqa.cli.main import main as cli_main

    sys.argv = ["localqa", *sys.argv[1:]]
    cli_main()


if __name__ == "__main__":
    main()
elif __name__ == "__mp_main__":  # a reader process spawned by the guarded CLI
    install()
