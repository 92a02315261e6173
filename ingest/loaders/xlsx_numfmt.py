"""A spreadsheet cell's value as the sheet shows it, from its number format code.

openpyxl gives a cell's stored value (0.125) and its format code ("0.0%"), never the text
Excel displays (12.5%). No maintained package on PyPI renders format codes (ssf was last
released in 2020 and pulls in calendars and pytz; q2numfmt is a 0.1 of numbers only), so
the codes people use are rendered here: percentages, decimals, thousands separators and
scaling, currency symbols and literal text, signs by section, dates and times (English
month and day names, 12- and 24-hour clocks, elapsed hours). Anything else (fractions,
scientific notation, conditions such as `[<100]`) gives None and the caller shows the
stored value, as before.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

# Excel shows these built-in codes in the reader's own short-date form: ISO is what
# localqa showed before and reads the same everywhere.
_LOCAL_DATES = {"mm-dd-yy": "yyyy-mm-dd", "m/d/yy h:mm": "yyyy-mm-dd h:mm"}
_PLACEHOLDERS = frozenset("0#?")
_TOKEN = re.compile(
    r'"(?P<quoted>[^"]*)"?'  # "text"
    r"|\\(?P<escaped>.)"  # \x
    r"|_(?P<space>.)"  # _x: a space as wide as x
    r"|\*(?P<fill>.)"  # *x: fill the width with x
    r"|\[(?P<bracket>[^\]]*)\]"  # [Red], [$€-407], [h], [<100]
    r"|(?P<ampm>AM/PM|am/pm|A/P|a/p)"
    r"|(?P<general>General)"
    r"|(?P<date>(?P<letter>[yYmMdDhHsS])(?P=letter)*)"  # a run of one letter: yyyy, mm
    r"|(?P<other>.)",
    re.DOTALL,
)
_COLOURS = re.compile(r"(?i)(black|blue|cyan|green|magenta|red|white|yellow|color\s*\d+)")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

Token = tuple[str, str]  # (kind, text): kind is "lit", "num", "date", "ampm", "elapsed"


class _Unsupported(Exception):
    """A format code this renderer does not know: the stored value is shown instead."""


def displayed(value: object, code: str | None) -> str | None:
    """The text a spreadsheet shows for `value` (a number, date, time or timedelta as
    openpyxl reads it) under the format `code`; None for General, text codes and codes
    not understood. Rounds half away from zero, as Excel does."""
    if not code or code == "General" or code == "@" or isinstance(value, bool | str):
        return None
    if value is None:
        return None
    try:
        sections = _compiled(_LOCAL_DATES.get(code, code))
        if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
            return " ".join(_render_date(_supported(sections[0]), value).split())
        if not isinstance(value, int | float):
            return None
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        section, number = _pick(sections, number)
        tokens = _supported(section)
        if any(kind in ("date", "ampm", "elapsed") for kind, _ in tokens):
            from openpyxl.utils.datetime import from_excel  # a serial date the reader kept

            return _render_date(tokens, from_excel(float(number)))
        return " ".join(_render_number(tokens, number).split())
    except (_Unsupported, InvalidOperation, ValueError, OverflowError, TypeError):
        return None


Section = tuple[Token, ...] | None  # None: a section this renderer does not support


@lru_cache(maxsize=1024)
def _compiled(code: str) -> tuple[Section, ...]:
    """The tokens of each section of `code`, parsed once per code (a sheet has few codes
    and many cells)."""
    compiled: list[Section] = []
    for section in _sections(code):
        try:
            compiled.append(tuple(_tokens(section)))
        except _Unsupported:
            compiled.append(None)
    return tuple(compiled)


def _supported(section: Section) -> list[Token]:
    if section is None:
        raise _Unsupported("section")
    return list(section)


def _sections(code: str) -> list[str]:
    """`code` split at the semicolons that separate its sections (not quoted ones)."""
    sections: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in code:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            sections.append("".join(current))
            current = []
            continue
        current.append(ch)
    sections.append("".join(current))
    return sections


def _pick(sections: tuple[Section, ...], number: Decimal) -> tuple[Section, Decimal]:
    """The section for this number, and the number that section shows: a second section
    shows negatives without their sign, a third shows zero. With one section a minus
    sign is written before the whole text (`_render_number`)."""
    if len(sections) >= 3 and number == 0:
        return sections[2], number
    if len(sections) >= 2 and number < 0:
        return sections[1], -number
    return sections[0], number


def _tokens(section: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN.finditer(section):
        kind = match.lastgroup
        text = match.group(kind or "other")
        if kind == "date":
            tokens.append(("date", text.lower()))
        elif kind in ("quoted", "escaped"):
            tokens.append(("lit", text))
        elif kind == "space":
            tokens.append(("lit", " "))
        elif kind == "bracket":
            tokens.extend(_bracket(text))
        elif kind in ("ampm", "general"):
            tokens.append((kind, text))
        elif kind == "other" and text in _PLACEHOLDERS | {".", ",", "%"}:
            tokens.append(("num", text))
        elif kind == "other" and text == "@":
            raise _Unsupported(text)  # a text placeholder in a number's section
        elif kind == "other":
            tokens.append(("lit", text))
    return tokens


def _bracket(text: str) -> list[Token]:
    """[$€-407] is a currency symbol, [h] [mm] [ss] elapsed time, [Red] a colour (not
    shown); a condition ([<100]) or anything else is not supported."""
    if text.startswith("$"):
        return [("lit", text[1:].split("-", 1)[0])]
    lowered = text.lower()
    if lowered and len(set(lowered)) == 1 and lowered[0] in "hms":
        return [("elapsed", lowered)]
    if _COLOURS.fullmatch(text):
        return []
    raise _Unsupported(text)


def _text_of(tokens: list[Token]) -> str:
    """Literal text as shown ("%" and stray number signs as themselves)."""
    return "".join(text for kind, text in tokens if kind in ("lit", "num"))


def _render_number(tokens: list[Token], number: Decimal) -> str:
    sign = "-" if number < 0 else ""
    number = abs(number) * Decimal(100) ** sum(t == ("num", "%") for t in tokens)
    places = [
        i
        for i, (kind, text) in enumerate(tokens)
        if kind == "general" or (kind == "num" and text != "%")
    ]
    if not places:  # only literal text, e.g. "-" for zero in an accounting format
        return _text_of(tokens)
    first, last = places[0], places[-1]
    block = tokens[first : last + 1]
    if any(kind not in ("num", "general") for kind, _ in block):
        raise _Unsupported("text inside the digits")  # 000-00-0000, # ?/?, 0.00E+00
    if any(kind == "general" for kind, _ in block):
        shown = _plain(number)
    else:
        shown = _digits("".join(text for _, text in block), number)
    if sign and not any(ch.isdigit() and ch != "0" for ch in shown):
        sign = ""  # Excel shows -0.001 under "0.0" as 0.0
    return sign + _text_of(tokens[:first]) + shown + _text_of(tokens[last + 1 :])


def _plain(number: Decimal) -> str:
    """A number under "General": as many digits as it has, integral ones without ".0"."""
    return f"{number.normalize():f}"


def _digits(block: str, number: Decimal) -> str:
    """`number` (not negative) under a block of digit placeholders such as "#,##0.00":
    a comma between placeholders groups thousands, commas after them divide by 1,000."""
    whole, point, fraction = block.partition(".")
    grouped = whole.rstrip(",")
    places = fraction.rstrip(",")
    scale = len(whole) - len(grouped) + len(fraction) - len(places)
    number /= Decimal(1000) ** scale
    decimals = sum(ch in _PLACEHOLDERS for ch in places)
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    integer, _, digits = f"{rounded:f}".partition(".")
    required = places.count("0")
    while len(digits) > required and digits.endswith("0"):
        digits = digits[:-1]
    minimum = grouped.count("0")
    integer = "" if integer == "0" and minimum == 0 else integer.zfill(minimum)
    if "," in grouped:
        groups = [integer[max(0, end - 3) : end] for end in range(len(integer), 0, -3)]
        integer = ",".join(reversed(groups))
    return integer + ("." if point and digits else "") + digits


_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of Excel's (1900) date system


def _moment(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> tuple[dt.datetime, float]:
    """The value as a date and time, and as elapsed seconds (for [h]:mm codes)."""
    if isinstance(value, dt.timedelta):
        return _EPOCH + value, value.total_seconds()
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=None)
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        moment = dt.datetime.combine(_EPOCH.date(), value.replace(tzinfo=None))
    return moment, (moment - _EPOCH).total_seconds()


def _is_minutes(tokens: list[Token], index: int) -> bool:
    """Whether m/mm at `index` means minutes: after an hour or before a second."""
    before = [t for _, t in (x for x in tokens[:index] if x[0] in ("date", "elapsed"))]
    after = [t for _, t in (x for x in tokens[index + 1 :] if x[0] in ("date", "elapsed"))]
    return bool(before and before[-1][0] == "h") or bool(after and after[0][0] == "s")


def _render_date(tokens: list[Token], value: dt.datetime | dt.date | dt.time | dt.timedelta) -> str:
    moment, elapsed = _moment(value)
    if moment.microsecond >= 500_000:  # shown to the second: rounded, as Excel does
        moment += dt.timedelta(seconds=1)
        elapsed = round(elapsed)
    twelve = any(kind == "ampm" for kind, _ in tokens)
    out: list[str] = []
    for index, (kind, text) in enumerate(tokens):
        if kind == "date":
            out.append(_date_part(text, moment, twelve, _is_minutes(tokens, index)))
        elif kind == "ampm":
            first, _, second = text.partition("/")
            out.append(first if moment.hour < 12 else second)
        elif kind == "elapsed":
            out.append(str(int(elapsed // {"h": 3600, "m": 60, "s": 1}[text[0]])))
        elif kind == "general":
            raise _Unsupported(text)
        else:
            out.append(text)
    return "".join(out)


def _date_part(code: str, moment: dt.datetime, twelve: bool, minutes: bool) -> str:
    letter, width = code[0], len(code)
    if letter == "y":
        return f"{moment.year % 100:02d}" if width <= 2 else f"{moment.year:04d}"
    if letter == "m" and (minutes and width <= 2):
        return f"{moment.minute:0{width}d}"
    if letter == "m":
        name = _MONTHS[moment.month - 1]
        return {1: str(moment.month), 2: f"{moment.month:02d}", 3: name[:3], 5: name[0]}.get(
            width, name
        )
    if letter == "d":
        day = _DAYS[moment.weekday()]
        return {1: str(moment.day), 2: f"{moment.day:02d}", 3: day[:3]}.get(width, day)
    if letter == "h":
        hour = (moment.hour % 12 or 12) if twelve else moment.hour
        return f"{hour:0{min(width, 2)}d}"
    return f"{moment.second:0{min(width, 2)}d}"  # "s"
