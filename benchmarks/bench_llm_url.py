"""A model on a server (`llm_url`) against the same model in process: time to the first token
and the whole answer, and whether the answers are the same.

Run: `.venv/bin/python benchmarks/bench_llm_url.py [--rounds N] [--threads N] [--n-ctx N]`.
Needs llama-cpp-python[server] (the dev extra) and SmolLM2 (`make setup`). Prints the CPU
(model, cores, the flags that decide the embedding and llama.cpp paths), the load, then
one line per figure: `<benchmark> <subject> <figure> <value>`.

Both models are SmolLM2-135M-Instruct (Q4_1) with the same compute settings (--threads
threads, flash attention, batches of 512, greedy): in process, `LocalModel`; on the server,
llama-cpp-python's own (`python -m llama_cpp.server`, started here on 127.0.0.1), reached
through `ServerModel` with the GGUF as `llm_tokenizer`. The index is sample_docs/,
ingested once into LOCALQA_BENCH_CACHE. Each round asks every question of QUESTIONS of the
in-process answerer, then of the server's, so load drifts over both alike; each keeps its
own prompt cache, so both meet the same cache (the previous question's prompt). Neither
keeps a prefix cache on disk.

Figures, medians over rounds per question, then the median over questions: first_token_ms
(from the model's stream call to its first token: the prompt's prefill included, retrieval
and packing not), answer_s (the whole `ask`: retrieval, packing, generation, the checks),
and same_answers (questions whose --json, timings and model location aside, were equal in
every round).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from common import CACHE, cpu_line, figure, load_average, sample_home, smollm2_gguf

from tests.support.model_server import start_model_server, stop_process

QUESTIONS = (
    "How many weeks of parental leave do employees get?",
    "How often must passwords be changed?",
    "Where is the Berlin office?",
    "What does the remote work memo say about equipment?",
)


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("timings", "model")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--n-ctx", type=int, default=2048)
    args = parser.parse_args()

    from localqa.builder import Builder
    from localqa.config import load_settings
    from localqa.generation.model import LocalModel

    print(f"cpu: {cpu_line()}", flush=True)
    print(f"load at start: {load_average()}", flush=True)
    gguf = smollm2_gguf()
    home = sample_home("llm-url-home")
    common = {
        "temperature": 0.0,
        "n_ctx": args.n_ctx,
        "threads": args.threads,
        "prefix_cache": False,
    }
    env = {"LOCALQA_HOME": str(home)}
    CACHE.mkdir(parents=True, exist_ok=True)
    log = CACHE / "llm-url-server.log"
    proc, server = start_model_server(gguf, log, n_ctx=args.n_ctx, threads=args.threads)
    url = server.url
    try:
        local_builder = Builder(load_settings(common, environ=env))
        server_builder = Builder(
            load_settings(
                common | {"llm_url": url, "llm_tokenizer": str(gguf), "llm_n_ctx": args.n_ctx},
                environ=env,
            )
        )
        local = LocalModel.load(gguf, args.n_ctx, n_gpu_layers=0, threads=args.threads)
        remote = server_builder.load_model(report=None)
        index = local_builder.existing_index()
        figures: dict[str, dict[str, list[float]]] = {q: {} for q in QUESTIONS}
        same = {q: True for q in QUESTIONS}
        for _ in range(args.rounds):
            for question in QUESTIONS:
                answers = {}
                for subject, builder, model in (
                    ("in_process", local_builder, local),
                    ("server", server_builder, remote),
                ):
                    started = time.perf_counter()
                    answer = builder.answerer(index, model).ask(question)
                    took = time.perf_counter() - started
                    answers[subject] = answer
                    got = figures[question]
                    got.setdefault(f"{subject}_first_token_ms", []).append(
                        float(answer.timings.get("first_token_ms", 0.0))
                    )
                    got.setdefault(f"{subject}_answer_s", []).append(took)
                one, other = (comparable(a.as_json()) for a in answers.values())
                same[question] = same[question] and one == other
        index.close()
        local.close()
        if remote is not None:
            remote.close()
    finally:
        stop_process(proc)
    report(figures, same, args)


def report(figures: dict[str, dict[str, list[float]]], same: dict[str, bool], args: Any) -> None:
    for question, got in figures.items():
        for name, values in got.items():
            figure("llm_url", question.replace(" ", "_"), name, statistics.median(values))
        ratio = statistics.median(got["server_first_token_ms"]) / statistics.median(
            got["in_process_first_token_ms"]
        )
        figure("llm_url", question.replace(" ", "_"), "first_token_ratio", ratio)
        figure("llm_url", question.replace(" ", "_"), "same_answer", str(same[question]))
    for name in ("first_token_ms", "answer_s"):
        for subject in ("in_process", "server"):
            medians = [statistics.median(g[f"{subject}_{name}"]) for g in figures.values()]
            figure("llm_url", "all", f"{subject}_{name}", statistics.median(medians))
    ratios = [
        statistics.median(g["server_first_token_ms"])
        / statistics.median(g["in_process_first_token_ms"])
        for g in figures.values()
    ]
    figure("llm_url", "all", "first_token_ratio_median", statistics.median(ratios))
    figure("llm_url", "all", "same_answers", f"{sum(same.values())}/{len(same)}")
    figure("llm_url", "all", "rounds", str(args.rounds))
    print(f"load at end: {load_average()}", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
