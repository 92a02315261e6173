"""A bad setting as one line a person can act on: where it came from (a line of the TOML
file, an environment variable, a command-line flag), what is wrong in plain words (never
pydantic's own names: `n_gpu_layers.int`), and the nearest valid name for a misspelt one
(`topk` -> `top_k`, difflib)."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ValidationError
from pydantic.fields import FieldInfo

# Flags whose name is not the setting's own with dashes.
FLAG_NAMES = {"model_path": "--model", "serve_host": "--host", "serve_port": "--port"}


@dataclass(frozen=True)
class Layers:
    """Where each given value came from: the TOML file (`path`, its text) and its keys,
    the environment (variable names by setting), the command line (setting names)."""

    toml_path: Path | None
    toml_text: str
    toml_keys: frozenset[str]
    env: Mapping[str, str]  # setting -> variable name
    flags: frozenset[str]

    def origin(self, key: str) -> str:
        """ "the --top-k option", "environment variable LOCALQA_TOP_K", "x.toml line 3"."""
        if key in self.flags:
            return f"option {FLAG_NAMES.get(key, '--' + key.replace('_', '-'))}"
        if key in self.env:
            return f"environment variable {self.env[key]}"
        if key in self.toml_keys and self.toml_path is not None:
            return f"{self.toml_path}{self._line(key)}"
        return "settings"

    def _line(self, key: str) -> str:
        number = toml_line(self.toml_text, key)
        return f" line {number}" if number else ""


def toml_line(text: str, key: str, section: str = "") -> int | None:
    """The 1-based line of `text` (a TOML file) that sets `key`: `key = ...`, `"key" =
    ...`, a dotted `section.key = ...`, or a table `[key]` (`[section.key]`); with
    `section`, only a line inside that section's table (`[section]` or
    `[localqa.section]`) or dotted under it. None when no line does."""
    name = rf"(\"?){re.escape(key)}\1"
    dotted = rf"(?:(?:localqa\.)?{re.escape(section)}\.)" if section else r"(?:[\w\"]+\.)*"
    assigned = re.compile(rf"^\s*{dotted}{name}\s*=")
    plain = re.compile(rf"^\s*{name}\s*=")
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        if found := header.match(line):
            current = found.group(1).removeprefix("localqa.").strip('"')
            if current == (f"{section}.{key}" if section else key):
                return number
            continue
        if assigned.match(line) or (plain.match(line) and current == section):
            return number
    return None


def nearest_name(name: str, valid: typing.Iterable[str], cutoff: float = 0.6) -> str | None:
    """The valid name closest to `name` (difflib's ratio at least `cutoff`, or the same
    letters without underscores), or None."""
    names = list(valid)
    close = difflib.get_close_matches(name, names, n=1, cutoff=cutoff)
    if not close:
        close = [v for v in names if v.replace("_", "") == name.replace("_", "").lower()]
    return close[0] if close else None


def nearest(name: str, valid: typing.Iterable[str]) -> str:
    """ "; did you mean 'top_k'?" for the closest valid name, or ""."""
    found = nearest_name(name, valid)
    return f"; did you mean {found!r}?" if found else ""


def expected(info: FieldInfo) -> str:
    """What a field takes, in words: 'a whole number or "auto"', 'true or false'."""
    return _words(info.annotation)


def _words(annotation: Any) -> str:
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "a whole number"
    if annotation is float:
        return "a number"
    if annotation is Path:
        return "a path"
    if annotation is str:
        return "text"
    origin = typing.get_origin(annotation)
    if origin is Annotated:  # a constrained member of a union: int >= 0 | "follow"
        base, *meta = typing.get_args(annotation)
        return _words(base) + _said(meta)
    if origin is Literal:
        return " or ".join(f'"{v}"' for v in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        parts = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(_words(a) for a in parts)
    if origin is tuple and typing.get_origin(typing.get_args(annotation)[0]) is tuple:
        return 'a table of root names and folders (policies = "/mnt/share/policies")'
    if origin is tuple:
        return "a list of names"
    return "a value of another kind"


def _bounds(info: FieldInfo) -> str:
    return _said(info.metadata)


def _said(metadata: list[Any]) -> str:
    said = []
    # Field(ge=0) inside Annotated[...] is a FieldInfo holding the bounds in its own metadata
    for meta in [m for given in metadata for m in getattr(given, "metadata", [given])]:
        for attr, word in (("ge", "at least"), ("gt", "above"), ("le", "at most"), ("lt", "below")):
            if (value := getattr(meta, attr, None)) is not None:
                said.append(f"{word} {value}")
    return f" ({', '.join(said)})" if said else ""


def describe(
    err: ValidationError, given: Mapping[str, Any], fields: Mapping[str, FieldInfo], layers: Layers
) -> str:
    """The first problem of `err` as one line: where, which setting, what it takes."""
    first = err.errors()[0]
    key = str(first["loc"][0]) if first["loc"] else ""
    where = layers.origin(key)
    if first["type"] == "extra_forbidden":
        return f"{where}: unknown setting {key!r}{nearest(key, fields)}"
    info = fields.get(key)
    if info is None:
        return f"{where}: setting {key!r} is not valid"
    value = given.get(key)
    shown = "" if isinstance(value, dict | list) else f" = {str(value)!r}"
    if first["type"] == "value_error":  # one of Settings' own validators: its words
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"{where}: {key}{shown}: {message}"
    return f"{where}: {key}{shown} is not valid: give {expected(info)}{_bounds(info)}"
