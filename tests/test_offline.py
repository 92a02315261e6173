"""Nothing reaches the network: the real CLI runs with internet sockets refused."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

GUARD = REPO / "tests" / "support" / "no_network.py"
# Libraries that open a socket at import time only to test a capability, never to connect:
# urllib3 binds ::1 to learn whether IPv6 exists. Anything else asking for one fails here.
CAPABILITY_PROBES = ("urllib3/util/connection.py",)


def assert_offline(stderr: str) -> None:
    assert "NETWORK-CONNECTS=0 " in stderr, stderr
    line = next(x for x in stderr.splitlines() if x.startswith("NETWORK-SOCKETS="))
    callers = ast.literal_eval(line.split("=", 1)[1])
    assert all(c.endswith(CAPABILITY_PROBES) for c in callers), callers


def run_guarded(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env.update(LOCALQA_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, str(GUARD), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_ingest_and_ask_with_sockets_blocked(tmp_path: Path, docs: Path) -> None:
    home = tmp_path / "home"
    ingest = run_guarded(home, "ingest", str(docs), "--json", "--quiet")
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["added"] == 10
    assert_offline(ingest.stderr)
    ask = run_guarded(home, "ask", "Where is the Halifax office?", "--json")
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["citations"]
    assert_offline(ask.stderr)


def test_the_guard_really_blocks(tmp_path: Path) -> None:
    """The check above could pass vacuously if the guard caught nothing: prove it bites."""
    probe = run_guarded(tmp_path, "--self-test")
    assert probe.returncode != 0
    assert "network blocked by the localqa test" in probe.stderr
    assert "NETWORK-CONNECTS=1 " in probe.stderr
