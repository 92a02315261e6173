"""localqa.generation.model against a real llama.cpp load of a tiny random-weight Llama GGUF."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from localqa.config import Settings
from localqa.generation.base import Sampling
from localqa.generation.llama_setup import NO_OFFLOAD_WARNING, offload_plan
from localqa.generation.model import (
    LocalModel,
    ModelError,
    check_gguf,
    find_model,
    llama_sampling,
)
from localqa.generation.stats import TextPieces

SEEDED = Sampling(temperature=0.8, top_p=0.95, min_p=0.05, seed=7)


def _gpu_build() -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


# --- no model needed -------------------------------------------------------------------


def test_import_does_not_load_llama_cpp() -> None:
    code = "import sys, localqa.generation.model; sys.exit('llama_cpp' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_find_model(tmp_path: Path) -> None:
    assert find_model("/some/where/model.gguf", tmp_path) == Path("/some/where/model.gguf")
    assert find_model("", tmp_path / "missing") is None
    assert find_model("", tmp_path) is None
    (tmp_path / "notes.txt").write_text("x")
    assert find_model("", tmp_path) is None
    (tmp_path / "a.gguf").write_bytes(b"GGUF")
    assert find_model("", tmp_path) == tmp_path / "a.gguf"
    (tmp_path / "b.gguf").write_bytes(b"GGUF")
    with pytest.raises(ModelError, match=r"a\.gguf, b\.gguf.*--model"):
        find_model("", tmp_path)
    assert find_model(str(tmp_path / "b.gguf"), tmp_path) == tmp_path / "b.gguf"


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "does not exist"), (b"PK\x03\x04zip", "not a GGUF"), (b"", "not a GGUF")],
)
def test_check_gguf_rejects(tmp_path: Path, content: bytes | None, problem: str) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=problem) as err:
        LocalModel.load(path, n_ctx=512, n_gpu_layers=0)
    message = str(err.value)
    assert str(path) in message and "\n" not in message


def test_check_gguf_folder_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is a folder"):
        check_gguf(tmp_path)
    path = tmp_path / "locked.gguf"
    path.write_bytes(b"GGUF")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file")
        with pytest.raises(ModelError, match="cannot read"):
            check_gguf(path)
    finally:
        path.chmod(0o600)


def testoffload_plan() -> None:
    assert offload_plan("auto", True) == (-1, [])
    assert offload_plan("auto", False) == (0, [])
    assert offload_plan(0, False) == (0, [])
    assert offload_plan(99, True) == (99, [])
    assert offload_plan(99, False) == (0, [NO_OFFLOAD_WARNING])
    assert offload_plan(-1, False) == (0, [NO_OFFLOAD_WARNING])


def test_text_pieces_wait_for_whole_characters() -> None:
    pieces = TextPieces()
    llama = "🦙".encode()
    assert pieces.feed(b" Hi") == "Hi"  # the first word's SentencePiece space goes
    assert [pieces.feed(llama[i : i + 1]) for i in range(3)] == ["", "", ""]
    assert pieces.feed(llama[3:]) == "🦙"
    assert pieces.feed(b" \xc3") == " "
    assert pieces.finish() == "\ufffd"


def test_factory_7b_preset_has_llama2_7b_parameter_count() -> None:
    from tests.support.gguf_factory import SHAPES, _tensor_shapes

    shapes = _tensor_shapes(SHAPES["llama2-7b"], n_vocab=32000)
    assert sum(math.prod(shape) for _, shape in shapes) == 6_738_415_616


def test_greedy_stays_on_the_sampler_chain() -> None:
    kwargs = llama_sampling(Sampling(temperature=0.0, top_p=0.9, min_p=0.1))
    assert kwargs["top_k"] == 1 and kwargs["temp"] > 0


# --- a real llama.cpp model ------------------------------------------------------------


def test_load_tiny_model(tiny_gguf: Path, capfd: pytest.CaptureFixture[str]) -> None:
    model = LocalModel.load(tiny_gguf, n_ctx=512, n_gpu_layers=0, threads=1)
    assert "llama" not in capfd.readouterr().err  # llama.cpp's loader chatter is silenced
    assert (model.path, model.n_ctx, model.n_layers) == (tiny_gguf, 512, 2)
    assert (model.bos, model.eos, model.gpu_layers, model.warnings) == (1, 2, 0, [])
    assert model.chat_template is None
    model.close()


def test_context_beyond_training_is_a_warning_not_noise(
    tiny_gguf: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    model = LocalModel.load(tiny_gguf, n_ctx=4096, n_gpu_layers=0)
    assert capfd.readouterr().err == ""  # llama.cpp's own warning goes to logging
    assert len(model.warnings) == 1 and "trained on" in model.warnings[0]
    assert "2048" in model.warnings[0]


def test_gpu_request_on_this_build(tiny_gguf: Path) -> None:
    model = LocalModel.load(tiny_gguf, n_ctx=256, n_gpu_layers=99)
    if _gpu_build():
        assert (model.gpu_layers, model.warnings) == (2, [])  # min(99, n_layer)
    else:
        assert (model.gpu_layers, model.warnings) == (0, [NO_OFFLOAD_WARNING])
    auto = LocalModel.load(tiny_gguf, n_ctx=256, n_gpu_layers="auto")
    assert auto.warnings == [] and auto.gpu_layers == (2 if _gpu_build() else 0)


def _quantise_q4_0(source: Path, target: Path) -> None:
    import ctypes

    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0
    assert (
        llama_cpp.llama_model_quantize(
            str(source).encode(), str(target).encode(), ctypes.byref(params)
        )
        == 0
    )


def test_quantised_model_generates_on_this_cpu(tiny_gguf: Path, tmp_path: Path) -> None:
    """Q4_0 is what people download. On AMX CPUs (this machine's included) llama.cpp's
    AMX buffer type segfaults at the first decode unless LocalModel.load turns it off; a
    subprocess, so that a crash fails this test instead of killing the run."""
    q4 = tmp_path / "tiny-q4_0.gguf"
    _quantise_q4_0(tiny_gguf, q4)
    code = (
        "import sys; from localqa.generation.model import LocalModel\n"
        "from localqa.generation.base import Sampling\n"
        f"m = LocalModel.load({str(q4)!r}, n_ctx=256, n_gpu_layers=0)\n"
        "prompt = [m.bos, *m.tokenize('a prompt of several tokens, as real ones are')]\n"
        "out = ''.join(m.stream(prompt, 6, Sampling(0.0, 1.0, 0.0)))\n"
        "print(m.last_stats.generated_tokens)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 0


def test_truncated_gguf_is_a_model_error(tiny_gguf: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(tiny_gguf.read_bytes()[:100_000])
    with pytest.raises(ModelError, match="could not load"):
        LocalModel.load(broken, n_ctx=256, n_gpu_layers=0)


def _vectors(shared_dir: Path) -> list[tuple[str, list[int]]]:
    base = shared_dir / "models" / "ggml-vocab-llama-spm.gguf"
    texts = base.with_suffix(".gguf.inp").read_text(encoding="utf-8")
    ids = base.with_suffix(".gguf.out").read_text(encoding="utf-8").split("\n")
    cases = texts.split("\n__ggml_vocab_test__\n")[:-1]
    return [(text, [int(t) for t in line.split()]) for text, line in zip(cases, ids, strict=False)]


def test_tokenizer_matches_llama_cpp_vectors(tiny_model: LocalModel, shared_dir: Path) -> None:
    vectors = _vectors(shared_dir)
    assert len(vectors) > 40
    for text, expected in vectors:
        assert tiny_model.tokenize(text) == expected, text
    assert tiny_model.tokenize("Hello world") == [15043, 3186]


def test_tokenize_never_parses_control_tokens(tiny_model: LocalModel) -> None:
    ids = tiny_model.tokenize("a</s><s>b")
    assert tiny_model.eos not in ids and tiny_model.bos not in ids
    assert tiny_model.tokenize_template("</s>") == [tiny_model.eos]
    assert tiny_model.detokenize(ids) == " a</s><s>b"
    assert tiny_model.token_text(tiny_model.bos) == "<s>"


def _prompt(model: LocalModel) -> list[int]:
    return [model.bos, *model.tokenize("[INST] What is in the documents? [/INST]")]


def test_stream_yields_pieces_and_stops_at_max_tokens(tiny_model: LocalModel) -> None:
    pieces = list(tiny_model.stream(_prompt(tiny_model), 12, SEEDED))
    stats = tiny_model.last_stats
    assert pieces and all(isinstance(p, str) and p for p in pieces)
    assert (stats.generated_tokens, stats.finish_reason) == (12, "length")
    assert stats.prompt_tokens == len(_prompt(tiny_model))
    assert stats.first_token_s > 0 and stats.tokens_per_s > 0


def test_stream_is_reproducible_across_the_prefix_cache(tiny_model: LocalModel) -> None:
    first = "".join(tiny_model.stream(_prompt(tiny_model), 8, SEEDED))
    other = [tiny_model.bos, *tiny_model.tokenize("Something else entirely")]
    list(tiny_model.stream(other, 8, SEEDED))
    assert "".join(tiny_model.stream(_prompt(tiny_model), 8, SEEDED)) == first
    greedy = Sampling(temperature=0.0, top_p=0.95, min_p=0.05)
    assert list(tiny_model.stream(other, 6, greedy)) == list(tiny_model.stream(other, 6, greedy))


def test_stop_event_cancels_at_once(tiny_model: LocalModel) -> None:
    stop = threading.Event()
    pieces = []
    for piece in tiny_model.stream(_prompt(tiny_model), 1000, SEEDED, stop):
        pieces.append(piece)
        if len(pieces) == 3:
            stop.set()
    stats = tiny_model.last_stats
    assert len(pieces) == 3 and stats.finish_reason == "cancelled"
    assert stats.generated_tokens < 10  # no decode step ran after the event was set
    assert list(tiny_model.stream(_prompt(tiny_model), 50, SEEDED, stop)) == []
    assert tiny_model.last_stats.generated_tokens == 0


def test_stream_respects_the_context_window(tiny_model: LocalModel) -> None:
    room = 4
    words = tiny_model.tokenize("word " * 3000)
    prompt = [tiny_model.bos, *words[: tiny_model.n_ctx - 1 - room]]
    list(tiny_model.stream(prompt, 100, SEEDED))
    assert tiny_model.last_stats.generated_tokens <= room
    with pytest.raises(ValueError, match="no room"):
        list(tiny_model.stream(prompt + [100] * room, 10, SEEDED))


def test_the_model_loads_while_the_vectors_open(sample_index: Settings, tiny_gguf: Path) -> None:
    from localqa.builder import Builder

    builder = Builder(sample_index.model_copy(update={"model_path": str(tiny_gguf)}))
    index = builder.existing_index()
    lines: list[str] = []
    model = builder.load_model_beside(index, report=lines.append)
    assert model is not None and model.path == tiny_gguf
    assert index._vectors is not None and index.vectors.count() > 0  # opened meanwhile
    assert lines == [f"model {tiny_gguf.name}: 0/{model.n_layers} layers on the GPU"]
    model.close()
    broken = Builder(sample_index.model_copy(update={"model_path": str(sample_index.home)}))
    with pytest.raises(ModelError, match="is a folder"):  # the worker's error reaches the caller
        broken.load_model_beside(builder.existing_index())
    index.close()
