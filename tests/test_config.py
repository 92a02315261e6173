from __future__ import annotations

from pathlib import Path

import pytest

from localqa.config import ConfigError, load_settings


def test_layers_override_in_order(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('[localqa]\ntop_k = 7\nindex = "fromfile"\nn_ctx = 2048\n')
    env = {"LOCALQA_HOME": str(tmp_path / "h"), "LOCALQA_INDEX": "fromenv", "LOCALQA_TOP_K": "9"}
    s = load_settings({"top_k": 3, "index": None}, config_file=toml, environ=env)
    assert s.top_k == 3  # flag beats env beats file
    assert s.index == "fromenv"  # env beats file; a None flag is no flag
    assert s.n_ctx == 2048  # file beats default
    assert s.home == tmp_path / "h"
    assert s.index_dir == tmp_path / "h" / "indexes" / "fromenv"


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(environ={"LOCALQA_HOME": str(tmp_path)})
    assert s.index == "default" and s.n_gpu_layers == "auto" and s.embed_model == ""
    assert s.embed_batch_size == 0  # the embedder's choice: 8 on the CPU, 64 on a GPU


def test_env_config_file_and_gpu_layers(tmp_path: Path) -> None:
    toml = tmp_path / "x.toml"
    toml.write_text("n_gpu_layers = 12\n")
    s = load_settings(environ={"LOCALQA_CONFIG": str(toml), "LOCALQA_HOME": str(tmp_path)})
    assert s.n_gpu_layers == 12


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"LOCALQA_TOP_K": "zero"}, "top_k"),
        ({"LOCALQA_INDEX": "../evil"}, "index"),
        ({"LOCALQA_EMBED_BATCH_SIZE": "-1"}, "embed_batch_size"),
    ],
)
def test_bad_values_are_one_line(tmp_path: Path, env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(environ={**env, "LOCALQA_HOME": str(tmp_path)})
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_broken_toml(tmp_path: Path) -> None:
    toml = tmp_path / "bad.toml"
    toml.write_text("top_k = = 3")
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        load_settings(config_file=toml, environ={"LOCALQA_HOME": str(tmp_path)})


def test_a_misspelt_setting_names_its_line_and_the_nearest_name(tmp_path: Path) -> None:
    toml = tmp_path / "localqa.toml"
    toml.write_text('[localqa]\nindex = "work"\ntopk = 3\n')
    with pytest.raises(ConfigError) as err:
        load_settings(config_file=toml, environ={"LOCALQA_HOME": str(tmp_path)})
    assert str(err.value) == f"{toml} line 3: unknown setting 'topk'; did you mean 'top_k'?"


def test_a_misspelt_setting_under_a_section_gets_the_nearest_name(tmp_path: Path) -> None:
    toml = tmp_path / "localqa.toml"
    toml.write_text("[retrieval]\ntopk = 3\n")
    with pytest.raises(ConfigError, match=r"\[retrieval\] has no setting 'topk'; did you mean"):
        load_settings(config_file=toml, environ={"LOCALQA_HOME": str(tmp_path)})


@pytest.mark.parametrize(
    ("layer", "origin"),
    [
        ("toml", "line 2"),
        ("env", "environment variable LOCALQA_N_GPU_LAYERS"),
        ("flag", "option --n-gpu-layers"),
    ],
)
def test_a_bad_value_says_where_it_came_from_in_plain_words(
    tmp_path: Path, layer: str, origin: str
) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('[localqa]\nn_gpu_layers = "many"\n' if layer == "toml" else "")
    env = {"LOCALQA_HOME": str(tmp_path)}
    if layer == "env":
        env["LOCALQA_N_GPU_LAYERS"] = "many"
    flags = {"n_gpu_layers": "many"} if layer == "flag" else {}
    with pytest.raises(ConfigError) as err:
        load_settings(flags, config_file=toml, environ=env)
    message = str(err.value)
    assert origin in message
    assert message.endswith("n_gpu_layers = 'many' is not valid: give a whole number or \"auto\"")
    assert ".int" not in message and "literal" not in message.lower()


def test_a_value_out_of_range_says_the_range(tmp_path: Path) -> None:
    env = {"LOCALQA_HOME": str(tmp_path), "LOCALQA_TOP_K": "0"}
    with pytest.raises(ConfigError) as err:
        load_settings(environ=env)
    assert str(err.value) == (
        "environment variable LOCALQA_TOP_K: top_k = '0' is not valid: "
        "give a whole number (at least 1, at most 100)"
    )


def test_a_missing_config_file_is_one_plain_sentence(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as err:
        load_settings(config_file=missing, environ={"LOCALQA_HOME": str(tmp_path)})
    assert str(err.value) == (
        f"config file {missing} (given with --config) does not exist; check the path"
    )


def test_a_misspelt_environment_variable_is_named_with_the_nearest_setting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"LOCALQA_HOME": str(tmp_path), "LOCALQA_TOPK": "3", "LOCALQA_SHARED": "/x"}
    with caplog.at_level("WARNING", logger="localqa"):
        settings = load_settings(environ=env)
    assert settings.top_k == 10  # ignored, as before, but not silently
    assert [r.getMessage() for r in caplog.records] == [
        "environment variable LOCALQA_TOPK is not a setting and is ignored; "
        "did you mean LOCALQA_TOP_K?"
    ]


@pytest.mark.parametrize(("setting", "flag"), [("serve_port", "--port"), ("top_k", "--top-k")])
def test_a_bad_flag_is_named_as_the_user_typed_it(tmp_path: Path, setting: str, flag: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({setting: 99999}, environ={"LOCALQA_HOME": str(tmp_path)})
    assert str(err.value).startswith(f"option {flag}: {setting} = ")
