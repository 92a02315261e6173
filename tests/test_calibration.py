"""Choosing int8 or fp32 by measuring them on this CPU (localqa/embedding/calibration.py):
the choice with fixed timings, the cache, the index keeping its precision, and one real
calibration of the packaged all-MiniLM-L6-v2 on ONNX Runtime."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from localqa.builder import Builder
from localqa.config import Settings, default_cache, load_settings
from localqa.doctor.embedding import _precision_line, embedders
from localqa.embedding import calibration
from localqa.embedding.calibration import Calibration, cache_file, calibrated, choose, measure
from localqa.embedding.cpu import CpuInfo, cpu_info, parse_cpuinfo
from localqa.embedding.onnx_encoder import OnnxEmbedder
from localqa.embedding.onnx_export import Precision
from tests.conftest import SAMPLE_DOCS, ingest_paths

EPYC = CpuInfo("AMD EPYC", ("avx2", "fma", "avx512f", "avx512_vnni"), 2)


def auto_settings(home: Path, cache: Path) -> Settings:
    """`embed_backend = "auto"` (the suite otherwise pins int8: tests/conftest.py)."""
    environ = {"LOCALQA_HOME": str(home), "LOCALQA_CACHE_DIR": str(cache)}
    return load_settings(environ={**environ, "LOCALQA_EMBED_BACKEND": "auto"})


class FakeClock:
    """A clock that each embedding call advances by that precision's seconds per text."""

    def __init__(self, seconds_per_text: dict[Precision, float]) -> None:
        self.now = 0.0
        self.seconds_per_text = seconds_per_text
        self.calls: list[tuple[Precision, int]] = []

    def __call__(self) -> float:
        return self.now

    def embedder(self, precision: Precision, slow_calls: Sequence[int] = ()) -> object:
        def embed(texts: Sequence[str]) -> None:
            self.calls.append((precision, len(texts)))
            slowdown = 1.5 if len(self.calls) - 1 in slow_calls else 1.0
            self.now += self.seconds_per_text[precision] * len(texts) * slowdown

        return embed


def test_int8_is_chosen_only_when_clearly_faster() -> None:
    assert choose({"int8": 120.0, "fp32": 40.0})[0] == "int8"
    assert choose({"int8": 110.0, "fp32": 100.0})[0] == "int8"  # exactly the margin
    assert choose({"int8": 105.0, "fp32": 100.0})[0] == "fp32"  # not worth its rounding
    assert choose({"int8": 60.0, "fp32": 90.0})[0] == "fp32"
    reason = choose({"int8": 60.0, "fp32": 90.0})[1]
    assert "int8 60.0 texts/s, fp32 90.0 texts/s" in reason and "0.67x" in reason


def test_measuring_takes_turns_keeps_each_best_pass_and_stops_when_decisive() -> None:
    close = FakeClock({"int8": 0.010, "fp32": 0.011})
    # the 3rd call (int8's first timed pass) is slowed by other work: a later pass counts
    embed = {"int8": close.embedder("int8", slow_calls=(2,)), "fp32": close.embedder("fp32")}
    rates = measure(embed, ["text"] * 10, rounds=3, clock=close)  # type: ignore[arg-type]
    assert rates == pytest.approx({"int8": 100.0, "fp32": 1 / 0.011})
    order = [precision for precision, count in close.calls if count == 10]
    assert order == ["int8", "fp32", "fp32", "int8", "int8", "fp32"]  # turns, warm-up apart
    assert close.calls[:2] == [("int8", 2), ("fp32", 2)]  # a few texts each, untimed
    apart = FakeClock({"int8": 0.01, "fp32": 0.05})
    embed = {"int8": apart.embedder("int8"), "fp32": apart.embedder("fp32")}
    measure(embed, ["text"] * 10, rounds=3, clock=apart)  # type: ignore[arg-type]
    assert len(apart.calls) == 4  # 5x apart after one round: not measured again


def test_the_cpu_is_read_from_cpuinfo(tmp_path: Path) -> None:
    x86 = "processor\t: 0\nmodel name\t: AMD EPYC 9454\n"
    x86 += "flags\t\t: fpu avx2 fma avx512f avx512_vnni\n"
    assert parse_cpuinfo(x86) == ("AMD EPYC 9454", {"fpu", "avx2", "fma", "avx512f", "avx512_vnni"})
    arm = "processor\t: 0\nFeatures\t: fp asimd asimddp i8mm\nCPU part\t: 0xd40\n"
    assert parse_cpuinfo(arm) == ("", {"fp", "asimd", "asimddp", "i8mm"})
    (tmp_path / "cpuinfo").write_text(x86 + "\nprocessor\t: 1\nmodel name\t: other\n")
    info = cpu_info(tmp_path / "cpuinfo")
    assert info.model == "AMD EPYC 9454" and info.flags == ("avx2", "fma", "avx512f", "avx512_vnni")
    assert info.int8_dot and "(no amx)" in info.describe()
    assert not CpuInfo("x", ("avx2", "fma"), 2).int8_dot
    assert cpu_info(tmp_path / "missing").flags == ()


def test_a_calibration_is_cached_per_cpu_and_model(tmp_path: Path) -> None:
    folder = tmp_path / "model-abc"
    path = cache_file(folder, EPYC)
    assert path.parent == folder
    assert cache_file(folder, CpuInfo("AMD EPYC", ("avx2", "fma"), 2)) != path  # other flags
    assert cache_file(folder, CpuInfo("AMD EPYC", EPYC.flags, 16)) != path  # other cores
    assert calibration.load(path) is None
    saved = Calibration("fp32", "why", {"int8": 1.0, "fp32": 2.0}, EPYC.describe(), "2026-12-07")
    calibration.save(path, saved)
    assert calibration.load(path) == saved
    path.write_text("{not json")
    assert calibration.load(path) is None  # measured again rather than trusted


def test_the_choice_of_a_new_index_and_the_precision_an_index_keeps(
    tmp_path: Path, sample_index: Settings
) -> None:
    cache = tmp_path / "cache"
    builder = Builder(auto_settings(tmp_path / "home", cache))
    pending = builder.ingest_precision(measure=False)
    assert pending.pending and pending.precision == "int8"  # nothing measured or exported
    assert "the first ingest" in embedders(builder)["ingest_precision"]
    folder = OnnxEmbedder("", "int8", cache).onnx_file.parent
    said = Calibration("fp32", "int8 only 0.80x", {"int8": 8.0, "fp32": 10.0}, "cpu", "now")
    calibration.save(cache_file(folder, cpu_info()), said)
    choice = builder.ingest_precision()
    assert choice.precision == "fp32" and not choice.pending and "int8 only 0.80x" in choice.reason
    assert builder.embedder().precision == "fp32"  # type: ignore[attr-defined]
    assert builder.query_embedder().precision == "fp32"  # questions as documents would be
    doctor = embedders(builder)
    assert doctor["ingest_precision"].startswith("fp32: measured on cpu at now: int8 only 0.80x")
    assert doctor["ingest"] == "all-MiniLM-L6-v2 on ONNX Runtime fp32, CPU"
    # an index of int8 vectors keeps int8 whatever this CPU measured
    kept = Builder(sample_index.model_copy(update={"embed_backend": "auto", "cache_dir": cache}))
    with kept.existing_index() as index:
        assert kept.embedder(index).precision == "int8"  # type: ignore[attr-defined]
        assert "keeps" in kept.ingest_precision(index).reason
        line = _precision_line(kept, index)
    assert line.startswith("int8: the index was built with int8 vectors: it keeps them")
    assert line.endswith("(this CPU measured int8 only 0.80x)")  # the figures still shown
    assert kept.embedder().precision == "int8"  # type: ignore[attr-defined]  # its record
    forced = Builder(builder.settings.model_copy(update={"embed_backend": "onnx-int8"}))
    assert forced.ingest_precision().precision == "int8"


@pytest.fixture(scope="module")
def real_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty cache folder holding only the ONNX exports of the tests' own cache (made
    once per clone), so a calibration is measured afresh."""
    cache = tmp_path_factory.mktemp("calibration-cache")
    for precision in ("int8", "fp32"):
        made = OnnxEmbedder("", precision, default_cache()).prepare()
        (cache / made.parent.name).mkdir(exist_ok=True)
        shutil.copy(made, cache / made.parent.name / made.name)
    return cache


def test_a_real_calibration_measures_both_and_an_ingest_keeps_its_choice(
    real_cache: Path, tmp_path: Path
) -> None:
    measured = calibrated("", real_cache)
    assert measured is not None and measured.precision in ("int8", "fp32")
    assert set(measured.rates) == {"int8", "fp32"} and min(measured.rates.values()) > 0
    assert measured.cpu == cpu_info().describe()
    assert measured.precision == choose(measured.rates)[0]  # type: ignore[arg-type]
    assert calibrated("", real_cache, measure=False) == measured  # cached, not measured again
    settings = auto_settings(tmp_path / "home", real_cache)
    report = ingest_paths(settings, Builder(settings).embedder(), SAMPLE_DOCS / "faq.txt")
    assert report.chunks_written > 0
    with Builder(settings).existing_index() as index:
        assert index.embedder_precision() == measured.precision
