"""Nothing reaches the network: the real CLI runs with internet sockets refused."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from localqa.ingest.loaders.ocr import available as ocr_available
from tests.conftest import REPO
from tests.test_ocr import image_only_pdf

GUARD = REPO / "tests" / "support" / "no_network.py"
# Libraries that open a socket at import time only to test a capability, never to connect:
# urllib3 binds ::1 to learn whether IPv6 exists. Anything else asking for one fails here.
CAPABILITY_PROBES = ("urllib3/util/connection.py",)
SCANNED = ["Kelvara Technical Services", "services the Vantor compressors"]


def assert_offline(stderr: str, processes: int = 1) -> None:
    """No connection tried and no socket asked for but capability probes, in the CLI and
    in at least `processes` guarded processes in all (the CLI and its readers)."""
    assert "NETWORK-CONNECTS=0 " in stderr, stderr
    line = next(x for x in stderr.splitlines() if x.startswith("NETWORK-SOCKETS="))
    callers = ast.literal_eval(line.split("=", 1)[1])
    assert all(c.endswith(CAPABILITY_PROBES) for c in callers), callers
    words = [x.split(" ", 1) for x in stderr.splitlines() if x.startswith("NETWORK-")]
    assert not [w for w in words if w[0] == "NETWORK-CONNECT"], stderr
    asked = [w[1] for w in words if w[0] == "NETWORK-SOCKET"]
    assert all(c.endswith(CAPABILITY_PROBES) for c in asked), asked
    assert len({w[1] for w in words if w[0] == "NETWORK-GUARDED"}) >= processes, stderr


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


@pytest.mark.skipif(not ocr_available(), reason="rapidocr-onnxruntime not installed")
def test_ingest_and_ask_with_sockets_blocked(tmp_path: Path, docs: Path) -> None:
    """The sample documents and a scanned page (read by OCR, in the reader process, which
    is guarded as well), then a question about each."""
    scan = image_only_pdf(tmp_path, SCANNED)
    scan.rename(docs / "scanned-notice.pdf")
    home = tmp_path / "home"
    ingest = run_guarded(home, "ingest", str(docs), "--json", "--quiet")
    assert ingest.returncode == 0, ingest.stderr
    report = json.loads(ingest.stdout)
    assert report["added"] == 11, report
    assert any("read by OCR" in str(w) for w in report["warnings"]), report
    assert_offline(ingest.stderr, processes=2)
    for question, source in (
        ("Where is the Halifax office?", None),
        ("Who services the Vantor compressors?", "scanned-notice.pdf"),
    ):
        ask = run_guarded(home, "ask", question, "--json")
        assert ask.returncode == 0, ask.stderr
        citations = json.loads(ask.stdout)["citations"]
        assert citations
        if source:
            assert citations[0]["source"] == source, citations
        assert_offline(ask.stderr)


def test_the_guard_really_blocks(tmp_path: Path) -> None:
    """The check above could pass vacuously if the guard caught nothing: prove it bites."""
    probe = run_guarded(tmp_path, "--self-test")
    assert probe.returncode != 0
    assert "network blocked by the localqa test" in probe.stderr
    assert "NETWORK-CONNECTS=1 " in probe.stderr
