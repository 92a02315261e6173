"""`--help` says what each option takes in words (`--json`, `--top-k NUMBER`, never
`<bool>` or `<int>`), and a command's summary is not broken mid-phrase."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from localqa.cli.main import cli

runner = CliRunner()
COMMANDS = [
    *("ingest", "ask", "chat", "eval", "sources", "forget", "doctor", "serve", "mcp", "version"),
    *("index", "index repair"),
]


@pytest.mark.parametrize("command", [[], *(c.split() for c in COMMANDS)])
def test_help_gives_option_types_in_words(command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|str|int|float|path|list\[[^]]*\])>", result.output), result.output
    assert "--help " in result.output


def test_ingest_help_lists_the_exit_codes_and_ask_says_number() -> None:
    ingest = runner.invoke(cli, ["ingest", "--help"], env={"COLUMNS": "80"}).output
    for line in ("0: done", "1: a file failed", "2: could not run", "130: interrupted"):
        assert line in ingest
    assert re.search(r"--top-k\s+NUMBER", runner.invoke(cli, ["ask", "--help"]).output)


def test_command_summaries_are_one_phrase_each() -> None:
    group = typer.main.get_command(cli)
    assert isinstance(group, typer.core.TyperGroup)
    commands = list(group.commands.items())
    while commands:
        name, command = commands.pop()
        first = (command.help or "").split("\n\n")[0]
        assert first and "\n" not in first, name
        commands += [(f"{name} {n}", c) for n, c in getattr(command, "commands", {}).items()]
