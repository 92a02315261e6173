"""Where settings come from, each source read as a layer of raw values that
`load_settings` (config.py) merges and validates: the TOML file (`--config`,
$LOCALQA_CONFIG, ./localqa.toml or the home's config.toml), the LOCALQA_* environment
variables, and the default home and cache folders. A file that cannot be used is a
ConfigError, one line naming it."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from localqa.errors import UsageError
from localqa.sections import SECTIONS, section_keys

ENV_PREFIX = "LOCALQA_"


class ConfigError(UsageError):
    """Invalid configuration, reported as one line."""


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("localqa", appauthor=False))


def default_cache() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("localqa", appauthor=False))


def cache_dir_for(environ: Mapping[str, str], home: object) -> Path | None:
    """Where caches go when `cache_dir` is not set: $XDG_CACHE_HOME/localqa where it is
    set (a cache setting: the test suite's too), else the home's `cache` folder when a
    home is given (nothing lands in ~/.cache behind a home of its own); None: the
    user's cache folder (default_cache)."""
    if xdg := environ.get("XDG_CACHE_HOME") or os.environ.get("XDG_CACHE_HOME"):
        return Path(xdg) / "localqa"
    return Path(str(home)).expanduser() / "cache" if home else None


def env_layer(
    environ: Mapping[str, str], fields: Collection[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Settings from LOCALQA_* variables, and the variable each came from; `fields`: the
    settings' names."""
    layer: dict[str, Any] = {}
    names: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :].lower()
            if name in fields:
                layer[name] = value
                names[name] = key
            elif hint := _misspelt(name, fields):
                logging.getLogger("localqa").warning(
                    "environment variable %s is not a setting and is ignored%s", key, hint
                )
    return layer, names


def _misspelt(name: str, fields: Collection[str]) -> str:
    """ "; did you mean LOCALQA_TOP_K?" for a LOCALQA_* variable close to a setting's name,
    "" for one that is not (LOCALQA_SHARED and the like are the tests' own)."""
    from localqa.config_messages import nearest_name

    found = nearest_name(name, fields, cutoff=0.8)
    return f"; did you mean {ENV_PREFIX}{found.upper()}?" if found else ""


def config_source(
    explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Path | None, str]:
    """The TOML file the settings are read from, and how it was found: `--config`, else
    $LOCALQA_CONFIG, else ./localqa.toml in the current directory, else
    $LOCALQA_HOME/config.toml; (None, why) when there is none."""
    env = os.environ if environ is None else environ
    if explicit is not None:
        return explicit, "given with --config"
    if env_path := env.get(ENV_PREFIX + "CONFIG"):
        return Path(env_path), f"from ${ENV_PREFIX}CONFIG"
    local = Path("localqa.toml")
    if local.is_file():
        return local, "found in the current directory"
    home = env.get(ENV_PREFIX + "HOME")
    candidate = (Path(home) if home else default_home()) / "config.toml"
    if candidate.is_file():
        return candidate, "found in the home folder"
    return None, "none: defaults, LOCALQA_* variables and flags only"


def toml_layer(path: Path | None, found: str = "") -> tuple[dict[str, Any], str]:
    """The settings of the TOML file at `path` (found as `found` says), and its text."""
    if path is None:
        return {}, ""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError as err:
        how = f" ({found})" if found else ""
        raise ConfigError(f"config file {path}{how} does not exist; check the path") from err
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else err
        raise ConfigError(f"config file {path}: {why}") from err
    section = data.get("localqa", data)
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: [localqa] must be a table")
    # section tables count beside [localqa] too: [ingest] as well as [localqa.ingest]
    beside = {name: data[name] for name in SECTIONS if name in data and section is not data}
    return _flattened(beside, path, text) | _flattened(section, path, text), text


def _flattened(table: dict[str, Any], path: Path, text: str) -> dict[str, Any]:
    """Keys written under their section's table (`[ingest]` holding `ocr = false`) as
    flat keys; a key under the wrong section is refused, naming its line (of `text`, the
    file's) and the right section."""
    from localqa.config_messages import toml_line

    flat = {k: v for k, v in table.items() if not (k in SECTIONS and isinstance(v, dict))}
    for name, keys in table.items():
        if name not in SECTIONS or not isinstance(keys, dict):
            continue
        for key, value in keys.items():
            if key not in section_keys(name):
                home = [n for n in SECTIONS if key in section_keys(n)]
                where = f"; it belongs under [{home[0]}]" if home else _nearest_in(name, key)
                line = toml_line(text, key, name)
                at = f"{path} line {line}" if line else f"config file {path}"
                raise ConfigError(f"{at}: [{name}] has no setting {key!r}{where}")
            flat[key] = value
    return flat


def _nearest_in(section: str, key: str) -> str:
    from localqa.config_messages import nearest

    return nearest(key, section_keys(section))
