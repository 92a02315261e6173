"""Does llama.cpp's greedy output depend on its thread counts, and what does each thread
policy cost? With the real small models, on the prompts `localqa ask` builds over sample_docs.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_threads.py same [--models smollm2,gemma]
        [--tokens 48] [--flash off]
    PYTHONPATH=. .venv/bin/python benchmarks/bench_threads.py speed [--reps 3] [--busy]
        [--flash on|off|both]

`same`: each question's prompt (captured from the in-process answerer, exactly the tokens
`ask` would give the model) is computed cold, once per pair of thread counts (decoding
`n_threads`, prompt batches `n_threads_batch`): 1/1, 2/1 and 1/2. The prompt is read as
LocalModel reads it (all but the last token in n_batch batches, then the last token alone),
then up to --tokens greedy tokens (argmax). Against 1/1, per pair: the largest logit
difference at the first answer token and over the answer, the first step whose token
differs, and whether the answer text is the same.

`speed`: the same prompts through LocalModel.stream under each policy, cold (no cached
prompt): time to first token and decode tokens/s, medians over questions and --reps.
Policies, as the `threads` setting: `follow` (both kinds of step on one thread per idle
core, chosen per prompt: localqa's default before), `fixed-decode` (0, the default now:
decoding on one thread, prompts on the idle cores), `fixed-2` (2: both on two threads,
what `follow` chooses on a quiet 2-core machine, and what pinning the threads to its cores
would give under load). The threads each chose are printed.
--tokens caps the answer (the default 48). --flash off loads every model without flash
attention; `speed --flash both` measures each policy with flash attention and without,
interleaved. --busy starts `sh -c 'while :; do :; done'` beside it (a compile's worth of
one core) and stops it at the end.

One figure a line: `threads <model> <subject> <name> <value>`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from common import CACHE, cpu_line, gemma_gguf, load_average, sample_home, smollm2_gguf

QUESTIONS = (
    "Can I bring my dog to the office?",
    "How many weeks of parental leave do employees get?",
    "When is salary paid?",
    "How often must passwords be changed?",
    "What does the remote work memo say about equipment?",
    "What is the codename of the Tidemark 5 programme?",
)
PAIRS = ((1, 1), (2, 1), (1, 2))  # decoding/prompt threads: vary one at a time
# the `threads` setting of each policy measured by `speed`, and its name in the output
POLICIES: dict[int | Literal["follow"], str] = {0: "fixed-decode", "follow": "follow", 2: "fixed-2"}


def emit(*fields: object) -> None:
    """One figure a line: `threads <fields...>`, floats to four decimals."""
    shown = (f"{f:.4f}" if isinstance(f, float) else str(f) for f in fields)
    print("threads", *shown, flush=True)


class _Captured(Exception):
    """Raised by the recording stream once it has the prompt: nothing is generated."""

    def __init__(self, tokens: list[int]) -> None:
        super().__init__("captured")
        self.tokens = tokens


def model_files(names: str) -> dict[str, Path]:
    files = {"smollm2": smollm2_gguf, "gemma": lambda: gemma_gguf(CACHE)}
    return {name: files[name]() for name in names.split(",")}


def prompts(path: Path) -> tuple[Any, dict[str, list[int]]]:
    """The loaded LocalModel and, per question, the prompt tokens `ask` gives it."""
    from localqa.builder import Builder
    from localqa.config import load_settings

    home = sample_home("threads-home")
    builder = Builder(
        load_settings(
            {"model_path": str(path), "prefix_cache": False}, environ={"LOCALQA_HOME": str(home)}
        )
    )
    model = builder.load_model(report=None)
    assert model is not None
    real_stream = model.stream

    def record(tokens: list[int], *_: Any, **__: Any) -> Iterator[str]:
        raise _Captured(list(tokens))
        yield ""  # a generator, as stream is

    found: dict[str, list[int]] = {}
    with builder.existing_index() as index:
        answerer = builder.answerer(index, model)
        model.stream = record  # type: ignore[method-assign]
        for question in QUESTIONS:
            try:
                answerer.ask(question)
            except _Captured as captured:
                found[question] = captured.tokens
        model.stream = real_stream  # type: ignore[method-assign]
    return model, found


def cold_greedy(model: Any, tokens: list[int], steps: int) -> tuple[list[int], list[Any]]:
    """Greedy tokens and the logits each was picked from, the prompt read as LocalModel
    reads it (all but the last token in n_batch batches, the last one alone), cold."""
    import llama_cpp
    import numpy as np

    llama = model._llama
    llama.n_tokens = 0  # eval() drops the KV cache past this point: all of it
    step = int(llama.n_batch)
    body = tokens[:-1]
    for start in range(0, len(body), step):
        llama.eval(body[start : start + step])
    chosen: list[int] = []
    logits: list[Any] = []
    last = tokens[-1]
    n_vocab = llama.n_vocab()
    for _ in range(steps):
        llama.eval([last])
        row = llama_cpp.llama_get_logits_ith(llama.ctx, -1)
        scores = np.ctypeslib.as_array(row, shape=(n_vocab,)).copy()
        last = int(np.argmax(scores))
        chosen.append(last)
        logits.append(scores)
        if model.is_end(last):
            break
    return chosen, logits


def set_threads(model: Any, decode: int, batch: int) -> None:
    from localqa.generation.llama_setup import BATCH, ComputePlan, apply_threads

    apply_threads(model._llama, ComputePlan(decode, batch, BATCH, BATCH, flash_attn=True))


def same(name: str, path: Path, steps: int) -> None:
    import numpy as np

    model, found = prompts(path)
    for question, tokens in found.items():
        subject = question.replace(" ", "_")
        emit(name, subject, "prompt_tokens", len(tokens))
        runs = {}
        for decode, batch in PAIRS:
            set_threads(model, decode, batch)
            runs[(decode, batch)] = cold_greedy(model, tokens, steps)
        base_tokens, base_logits = runs[(1, 1)]
        for pair, (chosen, logits) in runs.items():
            if pair == (1, 1):
                continue
            label = f"{pair[0]}/{pair[1]}_vs_1/1"
            first = float(np.max(np.abs(logits[0] - base_logits[0])))
            shared = min(len(logits), len(base_logits))
            worst = max(float(np.max(np.abs(logits[i] - base_logits[i]))) for i in range(shared))
            differs = next(
                (i for i, (a, b) in enumerate(zip(chosen, base_tokens, strict=False)) if a != b),
                -1 if len(chosen) == len(base_tokens) else min(len(chosen), len(base_tokens)),
            )
            text_same = model.detokenize(chosen) == model.detokenize(base_tokens)
            emit(name, subject, f"{label}_first_logit_maxdiff", first)
            emit(name, subject, f"{label}_answer_logit_maxdiff", worst)
            emit(name, subject, f"{label}_first_differing_step", differs)
            emit(name, subject, f"{label}_same_text", str(text_same))
        shown = model.detokenize(base_tokens).replace("\n", " ")[:100]
        emit(name, subject, "answer_1/1", repr(shown))
    model.close()


def cold_stream(model: Any, tokens: list[int], steps: int) -> tuple[float, float, str]:
    """(time to first token s, decode tokens/s, "decode/prompt" threads used) of one
    greedy LocalModel.stream of `tokens` with nothing of it cached, as a fresh `ask`."""
    from localqa.generation.base import Sampling

    model._llama.n_tokens = 0  # no cached prompt: the whole prompt is read
    model._batch_ends = []
    for _ in model.stream(tokens, steps, Sampling(0.0, 1.0, 0.0)):
        pass
    stats, llama = model.last_stats, model._llama
    return stats.first_token_s, stats.tokens_per_s, f"{llama.n_threads}/{llama.n_threads_batch}"


def speed(name: str, path: Path, args: argparse.Namespace) -> None:
    """Each policy's figures over the prompts, policies interleaved question by question."""
    from localqa.generation.model import LocalModel

    captured, found = prompts(path)
    n_ctx = captured.n_ctx
    captured.close()
    models: dict[str, Any] = {}
    for attention in ("on", "off") if args.flash == "both" else (args.flash,):
        with flash(attention):
            for p, label in POLICIES.items():
                key = label if args.flash != "both" else f"{label}_flash-{attention}"
                models[key] = LocalModel.load(path, n_ctx, 0, threads=p)
    runs: dict[str, list[tuple[float, float, str]]] = {p: [] for p in models}
    for tokens in list(found.values())[:1]:  # warm-up: page the weights in
        for model in models.values():
            cold_stream(model, tokens[:64], 2)
    for _ in range(args.reps):
        for tokens in found.values():
            for policy, model in models.items():
                runs[policy].append(cold_stream(model, tokens, args.tokens))
    state = "busy" if args.busy else "as_is"
    for policy, found_runs in runs.items():
        subject = f"{state}_{policy}"
        emit(name, subject, "ttft_s", statistics.median(r[0] for r in found_runs))
        emit(name, subject, "decode_tok_s", statistics.median(r[1] for r in found_runs))
        chosen = sorted({r[2] for r in found_runs})
        emit(name, subject, "threads_chosen", ",".join(chosen), "runs", len(found_runs))
    emit(name, state, "load", load_average())
    for model in models.values():
        model.close()


@contextmanager
def busy(on: bool) -> Iterator[None]:
    """A shell busy loop on one core while open, when `on`."""
    if not on:
        yield
        return
    proc = subprocess.Popen(["sh", "-c", "while :; do :; done"])
    try:
        time.sleep(1.0)  # let the planner's window see it
        yield
    finally:
        proc.kill()
        proc.wait()


@contextmanager
def flash(attention: str) -> Iterator[None]:
    """While open, models load with flash attention `attention` ("on", localqa's choice,
    or "off"): does "off" stop the decoding thread count from changing the logits, and
    what does it cost?"""
    import dataclasses

    from localqa.generation import llama_setup

    chosen = llama_setup.compute_plan

    def plan(*args: Any) -> Any:
        return dataclasses.replace(chosen(*args), flash_attn=attention == "on")

    llama_setup.compute_plan = plan  # type: ignore[assignment]
    try:
        yield
    finally:
        llama_setup.compute_plan = chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("mode", choices=("same", "speed"))
    parser.add_argument("--models", default="smollm2,gemma")
    parser.add_argument("--tokens", type=int, default=48, help="greedy tokens per answer")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--busy", action="store_true")
    parser.add_argument(
        "--flash",
        choices=("on", "off", "both"),
        default="on",
        help="flash attention (localqa: on); both: speed measures each policy with and without",
    )
    args = parser.parse_args()
    import llama_cpp

    emit("run", "cpu", cpu_line())
    emit("run", "llama_cpp", llama_cpp.__version__)
    emit("run", "load_start", load_average())
    for name, path in model_files(args.models).items():
        if args.mode == "same":
            with flash("off" if args.flash == "off" else "on"):
                same(name, path, args.tokens)
        else:
            with busy(args.busy):
                speed(name, path, args)
    emit("run", "load_end", load_average())


if __name__ == "__main__":
    main()
