"""How often `ask`'s extractive answer (no language model) quotes the answer.

Runs the same retrieval, packing and `extract_answer` as `localqa ask` without a model, with
the torch-free query encoder `ask` uses, and counts the questions whose gold answer is in
the first quoted sentence and in any of the (up to three) quoted sentences (what `ask`
shows), with SQuAD's token F1 of the quotes shown, all together, against the gold answer.
Needs an index of the question set's documents (see benchmarks/retrieval_quality.py):

    python benchmarks/extractive_quality.py /tmp/squad/questions.jsonl --home /tmp/sq/home \\
        --index squad --limit 300

A random sample (seeded) when --limit is below the number of questions. The fixed sample of
300 answerable SQuAD 2.0 dev questions is benchmarks/answer_quality.py's: its `--work DIR`
keeps it as DIR/squad/sample-300-0-1000000000.jsonl beside the index (DIR/home, index
"default").
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import common  # noqa: F401 - puts this checkout's localqa first on sys.path


def main() -> None:
    from localqa.answer_eval import token_f1
    from localqa.answering.citations import SupportChecker
    from localqa.answering.extractive import extract_answer
    from localqa.builder import Builder
    from localqa.config import load_settings
    from localqa.evaluation.matching import contains_answer
    from localqa.evaluation.questions import load_questions
    from localqa.retrieval.packing import pack_context
    from localqa.retrieval.scoring import word_weights

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--home", required=True)
    parser.add_argument("--index", default="default")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    settings = load_settings({"home": args.home, "index": args.index})
    questions = [q for q in load_questions(args.questions) if q.answers]
    random.Random(7).shuffle(questions)
    questions = questions[: args.limit]
    builder = Builder(settings)
    index = builder.existing_index()
    retriever = builder.retriever(index)
    embedder = retriever.embedder
    first = anywhere = 0
    f1 = 0.0
    started = time.perf_counter()
    for q in questions:
        found = retriever.search(q.question).results
        contexts = pack_context(found, settings.top_k, settings.context_chars)
        checker = SupportChecker(embedder)
        weights = word_weights(q.question, [c.chunk for c in contexts], index.lexical)
        quotes = extract_answer(
            q.question, contexts, checker, weights=weights, neighbours=index.chunks.neighbours
        ).quotes
        first += bool(quotes) and contains_answer(quotes[0], q.answers)
        anywhere += any(contains_answer(quote, q.answers) for quote in quotes)
        f1 += token_f1(" ".join(quotes), q.answers)
    n = max(len(questions), 1)
    seconds = time.perf_counter() - started
    print(f"extractive {args.index} questions {len(questions)}")
    print(f"extractive {args.index} answer_in_first_quote {first / n:.3f}")
    print(f"extractive {args.index} answer_in_any_quote {anywhere / n:.3f}")
    print(f"extractive {args.index} token_f1_shown {f1 / n:.3f}")
    print(f"extractive {args.index} seconds_per_question {seconds / n:.3f}")
    index.close()


if __name__ == "__main__":
    main()
