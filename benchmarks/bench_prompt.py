"""Prompt processing with the real small models: localqa against llama-cpp-python used
directly, on the same ~1,000-token RAG prompt, in the same run.

    PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/bench_prompt.py [--reps 5]
        [--models smollm2,gemma] [--sweep] [--configs a,b] [--decode-tokens 32]
        [--ask-runs 3] [--no-ask]

The prompt: real SQuAD 2.0 dev passages (../shared/eval/squad-dev-v2.0.json; sample_docs'
text files when it is absent) as numbered sources, packed by localqa's own `pack_prompt` with
the model's layout until about --prompt-tokens tokens; both paths get the same token ids.

* localqa: the model as `ask` loads it (`Builder.load_model`; its threads follow the load
  at that moment), `LocalModel.stream` with greedy sampling.
* direct: `llama_cpp.Llama(...)` and `llm.generate(tokens, top_k=1)`, the plain
  llama-cpp-python path, with the settings of each configuration (threads, n_batch/n_ubatch,
  flash attention); `--sweep` tries more of them to find the best one.

Time to first token = prefill + first decode; then --decode-tokens more greedy tokens give
the decode tokens/s (steps after the first, as GenerationStats counts them).

Every repetition runs every subject once, in turn, so machine load drifts over all alike;
the KV cache is emptied before each run (no prefix reuse). Figures are medians. Prompt
tokens/s = prompt tokens / time to first token. One line per figure, tab-separated.

AMX: the run first loads each model in a subprocess with llama.cpp's extra buffer types on
(use_extra_bufts = true: AMX and CPU_REPACK weights, llama-cpp-python's default) and
reports how that ends; every measured subject loads with them off, as localqa does on a CPU
whose llama.cpp reports AMX_INT8 (localqa/generation/llama_setup.py).

Last, with --ask-runs N > 0: time to first token of a cold `localqa ask --json` over an index
of sample_docs (temporary LOCALQA_HOME), the model's own answer budget, median of N.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import CACHE, REPO, SHARED, gemma_gguf, load_average, smollm2_gguf

SQUAD = SHARED / "eval" / "squad-dev-v2.0.json"
QUESTION = "What happened to the population of the region, and why?"
ASK_QUESTIONS = ("How many weeks of parental leave do employees get?", "When is salary paid?")

# Direct llama-cpp-python configurations: name -> Llama() keyword arguments. "default" is
# llama-cpp-python's own (n_threads cpu_count//2, n_threads_batch cpu_count, n_batch and
# n_ubatch 512, no flash attention).
T2 = {"n_threads": 2, "n_threads_batch": 2}
T1 = {"n_threads": 1, "n_threads_batch": 1}
FA = {"flash_attn": True}
CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "t2-fa": {**T2, **FA},
    "t1": T1,
    "t1-fa": {**T1, **FA},
}
SWEEP: dict[str, dict[str, Any]] = {
    "t2": T2,
    "t1-fa-ub256": {**T1, **FA, "n_ubatch": 256},
    "t1-fa-b1024": {**T1, **FA, "n_batch": 1024, "n_ubatch": 1024},
}


def out(*fields: object) -> None:
    print("\t".join(f"{f:.3f}" if isinstance(f, float) else str(f) for f in fields), flush=True)


def model_files() -> dict[str, Path]:
    gemma = REPO / ".localqa" / "models" / "gemma-3-270m.gguf"
    return {"smollm2": smollm2_gguf(), "gemma": gemma if gemma.is_file() else gemma_gguf(CACHE)}


def passages() -> list[tuple[str, str]]:
    """(title, text) of real passages: SQuAD's when present, else sample_docs' text files."""
    if SQUAD.is_file():
        data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
        return [(a["title"], p["context"]) for a in data[:4] for p in a["paragraphs"]]
    found = []
    for path in sorted((REPO / "sample_docs").glob("*")):
        if path.suffix in {".md", ".txt"}:
            text = path.read_text(encoding="utf-8")
            found += [(path.name, part) for part in text.split("\n\n") if len(part) > 200]
    return found


def rag_prompt(model: Any, target: int) -> list[int]:
    """localqa's prompt for QUESTION over passages, as many as keep it <= `target` tokens."""
    from localqa.generation.prompt import PromptRequest, pack_prompt
    from localqa.schema import Chunk, ScoredChunk

    chunks = [
        ScoredChunk(
            Chunk(
                id=f"c{i}",
                text=text,
                source=f"{title}.txt",
                abs_path="",
                page=1,
                line_start=1,
                line_end=1,
                char_start=0,
                char_end=len(text),
                doc_hash="",
                title=title,
            ),
            1.0,
        )
        for i, (title, text) in enumerate(passages())
    ]
    packed = pack_prompt(model, PromptRequest(QUESTION, chunks, [], target + 1, 1))
    return packed.tokens


def amx_check(path: Path) -> str:
    """How a load with extra buffer types on, then a 64-token decode, ends (subprocess)."""
    code = (
        "import sys, llama_cpp, llama_cpp.llama_cpp as lib\n"
        "o = lib.llama_model_default_params\n"
        "def p():\n    q = o(); q.use_extra_bufts = True; return q\n"
        "lib.llama_model_default_params = p\n"
        f"llm = llama_cpp.Llama(model_path={str(path)!r}, n_ctx=512, verbose=False)\n"
        "llm.eval(llm.tokenize(b'The quick brown fox jumps over the lazy dog. ' * 6)[:64])\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode == 0:
        return "runs"
    signal = -done.returncode if done.returncode < 0 else done.returncode - 128
    return f"crashes (exit {done.returncode}, signal {signal})"


def open_direct(path: Path, n_ctx: int, kwargs: dict[str, Any]) -> Any:
    import llama_cpp

    from localqa.generation.llama_setup import model_params

    with model_params(False):
        return llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, verbose=False, **kwargs)


def direct_run(llm: Any, tokens: list[int], decode: int) -> tuple[float, float]:
    """(time to first token, decode tokens/s over up to `decode` more greedy tokens)."""
    llm.n_tokens = 0  # empty the KV cache: no prefix reuse between runs
    started = time.perf_counter()
    stream = llm.generate(tokens, top_k=1, reset=True)
    next(stream)
    first = last = time.perf_counter()
    steps = 0
    for _ in range(decode):
        if llm.token_eos() == next(stream):
            break
        last, steps = time.perf_counter(), steps + 1
    stream.close()
    return first - started, (steps / (last - first) if steps else 0.0)


def localqa_run(model: Any, tokens: list[int], decode: int) -> tuple[float, float]:
    """The same through LocalModel.stream (its own GenerationStats)."""
    from localqa.generation.base import Sampling

    model._llama.n_tokens = 0  # as a fresh `ask` process: no cached prefix
    greedy = Sampling(temperature=0.0, top_p=1.0, min_p=0.0)
    for _ in model.stream(tokens, 1 + decode, greedy):
        pass
    stats = model.last_stats
    return float(stats.first_token_s), float(stats.tokens_per_s)


def describe(llm: Any) -> str:
    c = llm.context_params
    return (
        f"threads {c.n_threads}/{c.n_threads_batch} n_batch {c.n_batch} "
        f"n_ubatch {c.n_ubatch} flash_attn {c.flash_attn_type}"
    )


def measure(name: str, path: Path, args: argparse.Namespace, configs: dict[str, Any]) -> None:
    from localqa.builder import Builder

    model = Builder.from_options(model_path=str(path)).load_model(report=None)
    assert model is not None
    tokens = rag_prompt(model, args.prompt_tokens)
    out(name, "prompt_tokens", len(tokens))
    out(name, "extra_buffer_types_on", amx_check(path))
    subjects: dict[str, Callable[[list[int]], tuple[float, float]]] = {
        "localqa": lambda t: localqa_run(model, t, args.decode_tokens)
    }
    out(name, "localqa", "settings", describe(model._llama))
    for config, kwargs in configs.items():
        llm = open_direct(path, model.n_ctx, kwargs)
        out(name, f"direct-{config}", "settings", describe(llm))
        subjects[f"direct-{config}"] = lambda t, llm=llm: direct_run(llm, t, args.decode_tokens)
    for run in subjects.values():
        run(tokens[:64])  # warm-up: page the weights in
    runs: dict[str, list[tuple[float, float]]] = {s: [] for s in subjects}
    for rep in range(args.reps):
        for subject, run in subjects.items():
            runs[subject].append(run(tokens))
            out(
                name,
                subject,
                "rep",
                rep,
                "ttft_s",
                runs[subject][-1][0],
                "decode_tok_s",
                runs[subject][-1][1],
                "load",
                load_average(),
            )
    ttft = {s: statistics.median(r[0] for r in found) for s, found in runs.items()}
    for subject, found in runs.items():
        out(
            name,
            subject,
            "ttft_s",
            ttft[subject],
            "prompt_tok_s",
            len(tokens) / ttft[subject],
            "decode_tok_s",
            statistics.median(r[1] for r in found),
            "ttft_runs",
            " ".join(f"{r[0]:.2f}" for r in found),
        )
    best = min((s for s in ttft if s != "localqa"), key=lambda s: ttft[s])
    out(name, "ratio_localqa_over_best_direct", ttft[best] / ttft["localqa"], "best", best)
    out(name, "ratio_localqa_over_default", ttft["direct-default"] / ttft["localqa"])
    model.close()


def ask_ttft(models: dict[str, Path], runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "LOCALQA_HOME": str(Path(scratch) / "home")}
        cli = [sys.executable, "-m", "localqa"]
        subprocess.run(
            [*cli, "ingest", "--quiet", str(REPO / "sample_docs")],
            env=env,
            check=True,
            capture_output=True,
        )
        for name, path in models.items():
            for question in ASK_QUESTIONS:
                found = []
                for _ in range(runs):
                    started = time.perf_counter()
                    command = [*cli, "ask", question, "--json", "--model", str(path)]
                    done = subprocess.run(
                        command, env=env, check=True, capture_output=True, text=True
                    )
                    wall = time.perf_counter() - started
                    found.append((json.loads(done.stdout)["timings"], wall))
                ms = statistics.median(t["first_token_ms"] for t, _ in found)
                t = found[-1][0]
                out(
                    name,
                    "ask",
                    question,
                    "first_token_ms",
                    ms,
                    "wall_s",
                    statistics.median(w for _, w in found),
                    "prompt_tokens",
                    int(t["prompt_tokens"]),
                    "generated",
                    int(t["generated_tokens"]),
                    "load",
                    load_average(),
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--models", default="smollm2,gemma")
    parser.add_argument("--prompt-tokens", type=int, default=1000)
    parser.add_argument("--sweep", action="store_true", help="try more direct settings")
    parser.add_argument("--configs", default="", help="only these direct settings (a,b)")
    parser.add_argument("--decode-tokens", type=int, default=32)
    parser.add_argument("--ask-runs", type=int, default=3)
    parser.add_argument("--no-ask", action="store_true")
    args = parser.parse_args()
    import llama_cpp

    out("llama_cpp", llama_cpp.__version__, "cpus", os.cpu_count(), "load", load_average())
    files = {k: v for k, v in model_files().items() if k in args.models.split(",")}
    configs = {**CONFIGS, **(SWEEP if args.sweep else {})}
    if args.configs:
        configs = {k: v for k, v in configs.items() if k in args.configs.split(",")}
    for name, path in files.items():
        measure(name, path, args, configs)
    if not args.no_ask and args.ask_runs > 0:
        ask_ttft(files, args.ask_runs)
    out("done", "load", load_average())


if __name__ == "__main__":
    main()
