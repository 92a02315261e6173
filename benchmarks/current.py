"""The tables of docs/BENCHMARKS.md, rendered from docs/benchmarks/current.json.

Each record of the JSON file is the current figure of one measure: its value and unit, the
command that produced it ("how": what the command line does not say), the date (UTC), the
machine, the load, and the anchor of the section of docs/BENCHMARKS-LOG.md that holds the
run; "note" adds detail to the figure. Only the stretch of the page between the two marker
comments is generated; the rest is written by hand.

Run: `python benchmarks/current.py` rewrites that stretch; `python benchmarks/current.py
--check` changes nothing and exits 1 if the page differs from what the data give or a record
names a machine, or a log anchor, that does not exist. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "docs" / "benchmarks" / "current.json"
PAGE = REPO / "docs" / "BENCHMARKS.md"
LOG = REPO / "docs" / "BENCHMARKS-LOG.md"
BEGIN, END = "<!-- current:begin -->", "<!-- current:end -->"
FIELDS = ("measure", "value", "unit", "command", "date", "machine", "load", "anchor")


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the page's headings (duplicates get -1, -2, ...)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"#{1,6} +(.+?) *#*$", line)
        if match is None:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).lower().replace("`", "")).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def command_cell(row: dict[str, str]) -> str:
    """The command as code, then what the command line alone does not say."""
    parts = [f"`{row['command']}`"] if row["command"] else []
    return " ".join(parts + ([f"({row['how']})"] if row.get("how") else []))


def render(data: dict[str, Any]) -> str:
    machines: dict[str, dict[str, str]] = data["machines"]
    out: list[str] = []
    for group in data["groups"]:
        out += [f"### {group['title']}", ""]
        out.append("| measure | current figure | command | date (UTC) | machine | load | log |")
        out.append("| --- | --- | --- | --- | --- | --- | --- |")
        for row in group["rows"]:
            figure = f"**{row['value']}**" + (f" {row['unit']}" if row["unit"] else "")
            if row.get("note"):
                figure += f"; {row['note']}"
            machine, link = machines[row["machine"]]["label"], f"BENCHMARKS-LOG.md#{row['anchor']}"
            cells = [row["measure"], figure, command_cell(row), row["date"], machine, row["load"]]
            cells.append(f"[log]({link})")
            out.append("| " + " | ".join(cell(c) for c in cells) + " |")
        out.append("")
    # the CPU's model and the flags that decide the embedding path (issue 29): avx2,
    # avx512*, avx512_vnni, avx_vnni, amx*
    out += ["### Machines", "", "| machine | CPU and its flags | what the log records |"]
    out.append("| --- | --- | --- |")
    out += [
        f"| {cell(m['label'])} | {cell(m.get('cpu', 'not recorded'))} | {cell(m['detail'])} |"
        for m in machines.values()
    ]
    return "\n".join(out)


def problems(data: dict[str, Any], log_text: str) -> list[str]:
    """Records that miss a field, name an unknown machine or a missing log section."""
    known, found = anchors(log_text), []
    for row in (row for group in data["groups"] for row in group["rows"]):
        name = row.get("measure", "?")
        found += [f"{name}: no {f}" for f in FIELDS if not isinstance(row.get(f), str)]
        if row.get("machine") not in data["machines"]:
            found.append(f"{name}: unknown machine {row.get('machine')!r}")
        if row.get("anchor") not in known:
            found.append(f"{name}: no section #{row.get('anchor')} in {LOG.name}")
    return found


def build() -> tuple[str, str, list[str]]:
    """The page as it is, as the data make it, and what stops making it."""
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    page = PAGE.read_text(encoding="utf-8")
    errors = problems(data, LOG.read_text(encoding="utf-8"))
    if BEGIN not in page or END not in page:
        return page, page, [*errors, f"{PAGE.name}: no {BEGIN} ... {END} markers"]
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    return page, page[:start] + "\n" + render(data) + "\n" + page[end:], errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render docs/BENCHMARKS.md's tables.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    page, new, errors = build()
    if args.check and new != page:
        errors.append(f"{PAGE.name} is stale: run python benchmarks/current.py")
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        return 1
    if new != page:
        PAGE.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
