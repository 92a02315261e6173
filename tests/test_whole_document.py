"""Issue 25, whole-document questions: a summary, a list or a comparison is read from
every chunk of the documents named (localqa/answering/whole.py), not the top ten."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from localqa.answering.whole_question import WholeQuestion, whole_question
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_paths
from tests.test_cases import ask

DEADLINES = [
    "Rent is due on the first day of each month.",
    "The security deposit is returned within 30 days of the end of the tenancy.",
    "The tenant must report damage to the landlord within 48 hours.",
    "Notice to end the lease must be given no later than 60 days before the end of the term.",
    "The landlord inspects the boiler each year by October 15.",
    "Renewal terms are offered by March 1 of the final year.",
]
FILLER = (
    "The premises include a kitchen, two bedrooms and a balcony facing the courtyard. "
    "Pets are allowed with the landlord's written consent. The tenant keeps the garden tidy "
    "and the shared stairwell free of bicycles. Smoking is not permitted inside the flat. "
)


@dataclass(frozen=True)
class Doc:
    source: str
    abs_path: str
    title: str = ""


def _docs(*names: str) -> list[Doc]:
    return [Doc(name, f"/d/{name}") for name in names]


# sample_docs' two handbooks, titled as ingest titles them, and two documents beside them
HANDBOOKS = [
    Doc("handbook-zh.md", "/d/handbook-zh.md", "handbook-zh"),
    Doc("northwind-handbook.pdf", "/d/northwind-handbook.pdf", "Employee Handbook"),
    Doc("security-policy.md", "/d/security-policy.md", "security-policy"),
    Doc("handbuch-de.md", "/d/handbuch-de.md", "Mitarbeiterhandbuch"),
    Doc("it-policy.md", "/d/it-policy.md", "IT policy"),
]


@pytest.mark.parametrize(
    ("question", "read", "also"),
    [
        # the English title's words beat the Chinese file's one word
        ("Summarise the employee handbook", "northwind-handbook.pdf", ("handbook-zh.md",)),
        # one word each: the document in the question's language
        ("Summarise the handbook", "northwind-handbook.pdf", ("handbook-zh.md",)),
        ("Give me an overview of the Chinese handbook", "handbook-zh.md", ("northwind",)),
        ("Summarise handbook-zh", "handbook-zh.md", ()),  # its file name: no other meant
        ("Summarise the handbook 员工手册", "handbook-zh.md", ("northwind",)),  # asked in Chinese
        ("List every deadline in the employee handbook", "northwind-handbook.pdf", ("handbook",)),
        # a file name spelt whole ("security policy") names that document alone
        ("Summarise the security policy", "security-policy.md", ()),
        ("Summarise the IT policy", "it-policy.md", ()),  # not Italian
        ("Give me an overview of the policy", "it-policy.md", ("security",)),  # title too
        ("Summarise the Mitarbeiterhandbuch", "handbuch-de.md", ()),
    ],
)
def test_the_best_matching_document_is_read_and_the_others_named(
    question: str, read: str, also: tuple[str, ...]
) -> None:
    asked = whole_question(question, HANDBOOKS)
    assert asked is not None and asked.documents == (f"/d/{read}",)
    assert len(asked.also) == len(also)
    assert all(path.startswith(f"/d/{name}") for path, name in zip(asked.also, also, strict=True))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Summarise the remote-work memo", WholeQuestion("summary", ("/d/remote-work-memo.docx",))),
        ("Give me an overview of the lease", WholeQuestion("summary", ("/d/lease.txt",))),
        (
            "What changed between the 2023 and 2024 budget?",
            WholeQuestion("compare", ("/d/budget-2023.md", "/d/budget-2024.md")),
        ),
        (
            "What changed between the 2024 and 2023 budget?",
            WholeQuestion("compare", ("/d/budget-2024.md", "/d/budget-2023.md")),
        ),
        (
            "List every deadline in the lease",
            WholeQuestion("list", ("/d/lease.txt",), frozenset({"deadline"})),
        ),
        ("How many weeks of parental leave do employees get?", None),
        ("Do all employees get parental leave?", None),
        ("What is the deadline for rent in the lease?", None),
        ("What changed in the 2024 budget?", None),  # one document: not a comparison
    ],
)
def test_whole_questions_are_recognised(question: str, expected: WholeQuestion | None) -> None:
    docs = _docs("remote-work-memo.docx", "lease.txt", "budget-2023.md", "budget-2024.md")
    assert whole_question(question, docs) == expected


@pytest.fixture(scope="module")
def whole_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Builder:
    folder = tmp_path_factory.mktemp("whole")
    # each deadline far from the others: a long lease, many chunks between them
    (folder / "lease.txt").write_text(
        "\n\n".join(f"{FILLER * 6}\n\n{deadline}" for deadline in DEADLINES) + "\n"
    )
    (folder / "budget-2023.md").write_text(
        "# Budget\n\nThe travel budget is 5,000 euros.\nThe training budget is 12,000 euros.\n"
        "Each team may spend 300 euros on team events.\n"
    )
    (folder / "budget-2024.md").write_text(
        "# Budget\n\nThe travel budget is 6,500 euros.\nThe training budget is 12,000 euros.\n"
        "Home-office equipment is paid up to 400 euros a person.\n"
    )
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    ingest_paths(settings, embedder, folder)
    return Builder(settings)


def test_a_list_holds_every_deadline_of_a_long_document(whole_index: Builder) -> None:
    with whole_index.existing_index() as index:
        chunks = index.chunks.of_document(str(next(iter(_lease(whole_index)))))
    assert len(chunks) > 10  # more than the ten best chunks a question gets
    answer = ask(whole_index, "List every deadline in the lease")
    quotes = [c.quote for c in answer.citations]
    assert quotes == DEADLINES, answer.text
    for citation in answer.citations:  # each cited to its own line of the file
        start, end = citation.chunk.quote_lines(citation.quote)
        line = Path(citation.chunk.abs_path).read_text().splitlines()[start - 1]
        assert start == end and citation.quote in line


def _lease(builder: Builder) -> list[str]:
    with builder.existing_index() as index:
        return [d.abs_path for d in index.catalog.documents() if d.source.endswith("lease.txt")]


def test_a_comparison_quotes_both_sides(whole_index: Builder) -> None:
    answer = ask(whole_index, "What changed between the 2023 and 2024 budget?")
    text = answer.text
    assert "5,000 euros. [1] → The travel budget is 6,500 euros. [2]" in text
    assert "Only in budget-2024.md:\n- Home-office equipment" in text
    assert "Only in budget-2023.md:\n- Each team may spend 300 euros" in text
    assert "training budget" not in text  # unchanged
    assert [c.chunk.source for c in answer.citations[:2]] == ["budget-2023.md", "budget-2024.md"]


def test_a_summary_spans_the_document(whole_index: Builder) -> None:
    answer = ask(whole_index, "Summarise the lease")
    assert answer.text.startswith("lease.txt in ")
    lines = [c.chunk.quote_lines(c.quote)[0] for c in answer.citations]
    assert lines == sorted(lines) and len(lines) >= 3


def test_what_the_time_budget_left_unread_is_said(whole_index: Builder, tmp_path: Path) -> None:
    settings = whole_index.settings.model_copy(update={"whole_document_seconds": 1e-9})
    answer = ask(Builder(settings), "List every deadline in the lease")
    assert "Read 0 of " in answer.text and "whole_document_seconds = 1e-09" in answer.text


def test_with_a_real_model_its_sources_are_the_quoted_passages(
    whole_index: Builder, smollm2_gguf: Path
) -> None:
    """SmolLM2 is given the passages the comparison quotes (both budgets), and what it
    writes is checked against them like any answer; the quotes are kept as the fallback."""
    from localqa.generation.model import LocalModel

    model = LocalModel.load(smollm2_gguf, n_ctx=2048, n_gpu_layers=0)
    try:
        with whole_index.existing_index() as index:
            answer = whole_index.answerer(index, model).ask(
                "What changed between the 2023 and 2024 budget?"
            )
    finally:
        model.close()
    assert answer.mode == "generative"
    assert sorted({c.source for c in answer.contexts}) == ["budget-2023.md", "budget-2024.md"]
    assert answer.checks or answer.fallback is not None
    if answer.fallback is not None:
        assert "6,500 euros" in answer.fallback.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("总结一下员工手册", WholeQuestion("summary", ("/d/zh.docx",))),
        ("请总结 handbook-zh.md", WholeQuestion("summary", ("/d/handbook-zh.md",))),
        ("概括 handbook-zh", WholeQuestion("summary", ("/d/handbook-zh.md",))),
        ("员工手册的摘要", WholeQuestion("summary", ("/d/zh.docx",))),
        ("列出员工手册中所有的假期", WholeQuestion("list", ("/d/zh.docx",), frozenset({"假期"}))),
        ("列举员工手册的规定", WholeQuestion("list", ("/d/zh.docx",), frozenset({"规定"}))),
        ("出差补贴是多少？", None),  # a fact
        ("出差住酒店有哪些规定？", None),  # "which ... are there": an ordinary question
        ("员工手册有哪些规定", None),  # as "What rules does the handbook have?" is
    ],
)
def test_chinese_whole_questions_are_recognised(
    question: str, expected: WholeQuestion | None
) -> None:
    docs = [
        Doc("handbook-zh.md", "/d/handbook-zh.md", "handbook-zh"),
        Doc("zh.docx", "/d/zh.docx", "员工手册"),
    ]
    assert whole_question(question, docs) == expected


@pytest.mark.parametrize("question", ["总结一下员工手册", "请总结 handbook-zh.md"])
def test_a_chinese_summary_reads_the_whole_chinese_handbook(
    sample_index: Settings, question: str
) -> None:
    # sample_docs: handbook-zh.md is titled by its file name; "员工手册" is its heading,
    # so the best-matching passage's document is read
    answer = ask(Builder(sample_index), question)
    assert answer.text.startswith("handbook-zh.md in "), answer.text
    assert {c.chunk.source for c in answer.citations} == {"handbook-zh.md"}
    lines = [c.chunk.quote_lines(c.quote)[0] for c in answer.citations]
    assert lines == sorted(lines) and len(lines) >= 3
