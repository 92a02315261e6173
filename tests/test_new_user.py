"""What a new user tripped over (note 12, "Seen by a new user"), with the real `localqa`
command through Typer's runner, as tests/test_cli.py runs it: each mistake is one line and
the exit code of localqa/errors.py's table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli
from localqa.config import ConfigError, Settings, load_settings

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LOCALQA_HOME", str(home))
    monkeypatch.chdir(tmp_path)  # no stray models/ or localqa.toml
    return home


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


EMPTY = 'localqa: error: the question is empty; ask something, e.g. localqa ask "..."\n'


@pytest.mark.parametrize("question", ["", "   ", " ? "])
def test_an_empty_question_is_a_usage_error(home: Path, question: str) -> None:
    # before any index is opened or model loaded: none exists here
    assert invoke("ask", question) == (2, "", EMPTY)
    assert invoke("ask", question, "--server", "http://127.0.0.1:9") == (2, "", EMPTY)


def test_a_path_that_does_not_exist_is_one_line_alone(home: Path) -> None:
    assert invoke("ingest", "nosuch") == (
        2,
        "",
        "localqa: error: nosuch: no such file or folder; check the path\n",
    )
    code, _, err = invoke("ingest", "nosuch", "other")
    assert (code, err) == (
        2,
        "localqa: error: nosuch, other: no such file or folder; check the paths\n",
    )
    assert not home.exists()


def test_a_missing_path_beside_a_real_one_is_said_first(home: Path, tmp_path: Path) -> None:
    real = tmp_path / "note.txt"
    real.write_text("The boiler is serviced every March by Ferro Heating.\n")
    code, _, err = invoke("ingest", "nosuch", str(real))
    assert code == 1  # a path failed; the other was ingested
    lines = err.splitlines()
    assert lines[0] == "FAILED nosuch: no such file or folder; check the path", lines
    assert any(line.startswith("1 added,") for line in lines[1:])


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[retrieval]\ntopk = 3\n", "line 2: [retrieval] has no setting 'topk'; did you mean"),
        ("# mine\n[retrieval]\nocr = false\n", "line 3: [retrieval] has no setting 'ocr'"),
        ("[localqa.retrieval]\n\ntop_k = 3\ntopk = 3\n", "line 4: [retrieval] has no setting"),
        ("[retrieval]\ntop_k = 3\n[retrieval.deep]\na = 1\n", "line 3: [retrieval] has no"),
        ("top_k = 3\nretrieval.topk = 1\n", "line 2: [retrieval] has no setting 'topk'"),
        ("[retrievl]\ntop_k = 3\n", "line 1: unknown setting 'retrievl'"),
        ('[retrieval]\ntop_k = "ten"\n', "line 2: top_k = 'ten' is not valid"),
        ('retrieval.top_k = "ten"\n', "line 1: top_k = 'ten' is not valid"),
    ],
)
def test_a_toml_mistake_under_a_section_names_its_line(home: Path, toml: str, message: str) -> None:
    Path("localqa.toml").write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value).startswith(f"localqa.toml {message}"), str(err.value)
    code, _, said = invoke("sources")
    assert (code, said) == (2, f"localqa: error: {err.value}\n")


HANDBOOK_LINE = (
    "Read northwind-handbook.pdf; the question also matches handbook-zh.md (name it to read "
    "it instead)."
)


def test_the_employee_handbook_is_the_english_one_and_the_other_is_named(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.chdir(sample_index.home)
    question = "Summarise the employee handbook"
    code, out, _ = invoke("ask", question, "--extractive")
    assert code == 0
    assert out.startswith("northwind-handbook.pdf in ")
    assert out.count(HANDBOOK_LINE) == 1 and "handbook-zh.md," not in out
    code, out, _ = invoke("ask", question, "--extractive", "--json")
    data = json.loads(out)
    assert (data["documents_read"], data["also_matched"]) == (
        ["northwind-handbook.pdf"],
        ["handbook-zh.md"],
    )
    assert data["also_matched_line"] == HANDBOOK_LINE
    assert {c["source"] for c in data["citations"]} == {"northwind-handbook.pdf"}
    # named by its own name, the Chinese one is read, and nothing else matched as well
    code, out, _ = invoke("ask", "Summarise handbook-zh", "--extractive", "--json")
    data = json.loads(out)
    assert (data["documents_read"], data["also_matched_line"]) == (["handbook-zh.md"], None)


def test_ask_json_gives_each_context_once_and_quotes_refer_to_it(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localqa.answering.answer_json import answer_from_json

    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.chdir(sample_index.home)
    # two quotes of one passage of faq.txt, and the handbook's summary: several each (not
    # "What do I do?": its second quote was the FAQ's line "I lost my access card.", the
    # question said back, which is no quote since wanted.py `says_nothing`)
    lost = "I lost my access card. What does it cost to replace it?"
    for question in (lost, "Summarise the employee handbook"):
        code, out, _ = invoke("ask", question, "--extractive", "--json")
        assert code == 0
        data = json.loads(out)
        texts = [(c["id"], *c["lines"], c["text"]) for c in data["contexts"]]
        assert len(texts) == len(set(texts)) < len(data["citations"]), question
        for citation in data["citations"]:
            context = data["contexts"][citation["context"] - 1]
            assert citation["n"] in context["numbers"]
            assert " ".join(citation["quote"].split()) in " ".join(context["text"].split())
            assert (citation["source"], citation["lines"]) == (context["source"], context["lines"])
        assert [c["n"] for c in data["contexts"]] == [c["numbers"][0] for c in data["contexts"]]
        # read back (ask --server, chat --server), each number has its passage again
        again = answer_from_json(data)
        assert [c.chunk.text for c in again.citations] == [
            data["contexts"][c["context"] - 1]["text"] for c in data["citations"]
        ]
        assert within(again.as_json(), data)  # less what ask adds (question_cut, roots)


def test_sources_lists_its_columns_first(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user's finding: `sources` printed rows of bare values with no names for them.
    A header row comes first, tab-separated as the rows are, each row as many cells."""
    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    code, out, _ = invoke("sources")
    header, *rows = out.splitlines()
    assert code == 0 and header.split("\t") == ["document", "last page", "chunks", "ingested"]
    assert len(rows) == 10 and all(len(row.split("\t")) == 4 for row in rows)
    faq = next(row.split("\t") for row in rows if row.startswith("faq.txt\t"))
    listed = {d["path"]: d for d in json.loads(invoke("sources", "--json")[1])}
    assert faq[1:3] == [str(listed["faq.txt"]["last_page"]), str(listed["faq.txt"]["chunks"])]


def test_ask_json_explains_its_verdict_with_the_same_fields_in_every_mode(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user's finding: `ask --extractive --json` had no `extractive_shown_because`
    (nor `extractive`, `extractive_shown_why`), which a model's answer has: a script read
    them with a KeyError. They are there in every mode, null where no model's answer was
    judged; the answer read back (ask --server) is the same."""
    from localqa.answering.answer_json import answer_from_json

    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.chdir(sample_index.home)
    for question in ("When is salary paid?", "What colour is the CEO's car?"):
        code, out, _ = invoke("ask", question, "--extractive", "--json")
        data = json.loads(out)
        assert code == 0 and data["mode"] == "extractive"
        for key in ("extractive", "extractive_shown_because", "extractive_shown_why"):
            assert key in data and data[key] is None, (question, key)
        again = answer_from_json(data)
        assert again.fallback is None and again.fallback_reason == ""
        assert within(again.as_json(), data)


def test_the_ingest_report_says_the_time_spent_preparing_the_embedder(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from tests.conftest import REPO

    # the suite's exported model, less its int8 copy: this ingest makes it (a few seconds;
    # the whole first use, with the export and the CPU's measurement, takes 20-40 s)
    cache = tmp_path / "cache"
    shutil.copytree(REPO / "tests" / ".artifacts" / "cache" / "localqa", cache)
    for made in cache.glob("model-*/model-int8.onnx"):
        made.unlink()
    monkeypatch.setenv("LOCALQA_CACHE_DIR", str(cache))
    note = tmp_path / "note.txt"
    note.write_text("The boiler is serviced every March by Ferro Heating.\n")
    code, out, err = invoke("ingest", str(note), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["prepared"] == "its int8 copy made" and report["prepare_seconds"] > 0
    lines = err.splitlines()
    assert lines[0] == f"preparing the embedding model (its int8 copy made; once for {cache})"
    said = [line for line in lines if line.startswith("before that, ")]
    assert said == [
        f"before that, {report['prepare_seconds']:.1f} s preparing the embedding model (its "
        "int8 copy made: once for this cache folder); not in the time above"
    ]
    note.write_text("The boiler is serviced every April by Ferro Heating.\n")
    code, out, err = invoke("ingest", str(note), "--json")  # made: nothing to say
    assert (code, json.loads(out)["prepared"]) == (0, "") and "preparing" not in err


def within(part: object, whole: object) -> bool:
    """Every key of `part` (JSON), at any depth, is in `whole` with the same value."""
    if isinstance(part, dict) and isinstance(whole, dict):
        return all(k in whole and within(v, whole[k]) for k, v in part.items())
    if isinstance(part, list) and isinstance(whole, list):
        return len(part) == len(whole) and all(map(within, part, whole))
    return part == whole
