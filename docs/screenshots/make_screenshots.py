"""Regenerate the `localqa chat` screenshots in this folder (offline, a minute or so):

    .venv/bin/python docs/screenshots/make_screenshots.py

It indexes sample_docs into a throwaway home, answers in extractive mode (no model), and
saves each screen as SVG (Textual's export) and PNG (the same cells drawn with Pillow in
DejaVu Sans Mono; skipped when that font is missing).
"""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.segment import Segment

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CELL_W, CELL_H, FONT_SIZE = 10, 20, 16
# (file stem, columns, rows, theme, questions)
SHOTS = [
    ("chat-80x24", 80, 24, "textual-dark", ["When is salary paid?"]),
    (
        "chat-120x40",
        120,
        40,
        "textual-dark",
        ["I lost my access card. What do I do?", "How much does it cost?"],
    ),
    (
        "chat-120x40-light",
        120,
        40,
        "textual-light",
        ["I lost my access card. What do I do?", "How much does it cost?"],
    ),
]


def build_index(home: Path) -> None:
    from localqa.builder import Builder
    from localqa.ingest.pipeline import Ingestor
    from localqa.ingest.progress import PlainProgress

    builder = Builder.from_options(home=home)
    embedder = builder.embedder()
    embedder.embed(["warm up"])  # as the tests do; a cold embedder stalled ingest once
    with builder.index() as index:
        Ingestor(index, embedder, builder.settings.ingest, PlainProgress(quiet=True)).run(
            [REPO / "sample_docs"]
        )


def screen_lines(app: object) -> list[list[Segment]]:
    """The screen's cells as lines of styled segments, as export_screenshot records them."""
    from textual.app import App

    assert isinstance(app, App)
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    segments = [s for s in console._record_buffer if not s.control]
    return list(Segment.split_lines(segments))


def save_png(lines: Sequence[Sequence[Segment]], size: tuple[int, int], path: Path) -> bool:
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return False
    if not (FONT_DIR / "DejaVuSansMono.ttf").is_file():
        return False
    regular = ImageFont.truetype(str(FONT_DIR / "DejaVuSansMono.ttf"), FONT_SIZE)
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSansMono-Bold.ttf"), FONT_SIZE)
    image = Image.new("RGB", (size[0] * CELL_W, size[1] * CELL_H), "black")
    draw = ImageDraw.Draw(image)
    for y, line in enumerate(lines[: size[1]]):
        x = 0
        for segment in line:
            style = segment.style
            fg = style.color.get_truecolor() if style and style.color else (220, 220, 220)
            bg = style.bgcolor.get_truecolor() if style and style.bgcolor else (0, 0, 0)
            if style and style.reverse:
                fg, bg = bg, fg
            for char in segment.text:
                box = (x * CELL_W, y * CELL_H, (x + 1) * CELL_W, (y + 1) * CELL_H)
                draw.rectangle(box, fill=tuple(bg))
                font = bold if style and style.bold else regular
                draw.text((x * CELL_W, y * CELL_H + 1), char, font=font, fill=tuple(fg))
                x += 1
    image.save(path)
    return True


async def shoot(home: Path, stem: str, size: tuple[int, int], theme: str, asks: list[str]) -> None:
    from localqa.answering.conversations import ConversationStore
    from localqa.builder import Builder
    from localqa.tui.adapter import core_factory
    from localqa.tui.app import ChatApp
    from localqa.tui.widgets import QuestionInput

    builder = Builder.from_options(home=home)

    def store() -> ConversationStore:
        return ConversationStore(home / f"{stem}.sqlite")  # a fresh history per picture

    app = ChatApp(core_factory(builder, use_model=False, open_store=store))
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        for question in asks:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.query_one(QuestionInput).focus()
            await pilot.press(*question, "enter")
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
        app.query_one(QuestionInput).cursor_blink = False
        await pilot.pause(0.3)
        app.save_screenshot(f"{stem}.svg", str(HERE))
        made = save_png(screen_lines(app), size, HERE / f"{stem}.png")
        print(f"{stem}.svg" + (f", {stem}.png" if made else " (no PNG: Pillow or font missing)"))


def main() -> None:
    sys.path.insert(0, str(REPO))
    home = Path(tempfile.mkdtemp(prefix="localqa-shots-"))
    try:
        build_index(home)
        for stem, cols, rows, theme, asks in SHOTS:
            asyncio.run(shoot(home, stem, (cols, rows), theme, asks))
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
