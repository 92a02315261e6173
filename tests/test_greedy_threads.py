"""The same question over the same index gets the same greedy answer whatever the machine's
load (compute_plan in localqa/generation/llama_setup.py).

llama.cpp's flash attention splits a one-token step's KV cache into one chunk per thread
and adds up the chunks, so the logits, and a greedy answer with them, depend on how many
threads decode; the prompt's batches give the same logits on any thread count
(docs/BENCHMARKS-LOG.md, "Greedy answers and threads"). Decoding therefore no longer
follows the load; the prompt's threads still do. CI saw SmolLM2 answer a question of
sample_docs one way on 1 thread and another on 2."""

from __future__ import annotations

from pathlib import Path

from localqa.builder import Builder
from localqa.config import Settings
from localqa.generation.llama_setup import ThreadPlanner
from localqa.generation.model import LocalModel
from tests.test_compute_plan import Samples, sample

# SmolLM2-135M's greedy answer to it, over sample_docs, began "The paid leave when you have
# a baby is 12 days." decoding on one thread and "The paid leave is 12 days of paid
# bereavement leave, ..." on two (this machine's AVX-512 CPU, llama-cpp-python 0.3.36)
BABY = "How long is the paid leave when I have a baby?"


def planning_as_if(model: LocalModel, busy_cpus: float) -> None:
    """Give `model` a planner that, before its next prompt, measures another process keeping
    `busy_cpus` of 2 CPUs busy for a second (the fake is only the /proc/stat reading)."""
    others = sample(0.0, 0.0, 0.0), sample(1.0, busy_cpus, 0.0)
    model._planner = ThreadPlanner(0, 2, Samples(*others))


def test_a_busy_neighbour_does_not_change_a_greedy_answer(
    sample_index: Settings, smollm2_gguf: Path
) -> None:
    builder = Builder(sample_index)
    answers, prompt_threads = [], []
    with builder.existing_index() as index:
        # one model a condition, so each reads the whole prompt itself (no cached prompt)
        for busy_cpus in (1.0, 0.0):  # another process on one CPU of two, then on none
            model = LocalModel.load(smollm2_gguf, sample_index.n_ctx, n_gpu_layers=0)
            planning_as_if(model, busy_cpus)
            try:
                answer = builder.answerer(index, model).ask(BABY)
                assert answer.mode == "generative", answer.fallback_reason
                answers.append(answer.text)
                prompt_threads.append(model._llama.n_threads_batch)
            finally:
                model.close()
    assert prompt_threads == [1, 2]  # the prompt still follows the idle cores
    assert answers[0] == answers[1]
