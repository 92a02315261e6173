"""`localqa serve` with a model that cannot be used (a missing file, a truncated GGUF, a
model server that is down): one line and exit 1, as `ask` says it, before "serving on";
never uvicorn's startup traceback and exit 3 (3 is for storage errors)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from localqa.config import Settings
from tests.test_server import free_port, serve_env


def serve_once(
    settings: Settings, cwd: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "localqa", "serve", "--port", str(free_port()), *args]
    return subprocess.run(
        command,
        env=serve_env(settings, **env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("kind", ["missing", "truncated", "server down"])
def test_a_model_that_cannot_be_used_is_one_line_and_exit_1_before_serving(
    sample_index: Settings, gemma_gguf: Path, tmp_path: Path, kind: str
) -> None:
    if kind == "missing":
        ran = serve_once(sample_index, tmp_path, "--model", str(tmp_path / "absent.gguf"))
        said = "does not exist"
    elif kind == "truncated":
        truncated = tmp_path / "truncated.gguf"
        truncated.write_bytes(gemma_gguf.read_bytes()[: 3 * 1024 * 1024])
        ran = serve_once(sample_index, tmp_path, "--model", str(truncated))
        said = "truncated"
    else:
        down = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
        ran = serve_once(sample_index, tmp_path, LOCALQA_LLM_URL=down)
        said = "not reachable"
    lines = ran.stderr.strip().splitlines()
    assert ran.returncode == 1, ran.stderr
    assert len(lines) == 1 and said in lines[0], ran.stderr
    assert "serving on" not in ran.stderr and "Traceback" not in ran.stderr
