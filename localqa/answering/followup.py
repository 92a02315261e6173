"""Follow-up questions made standalone, so retrieval finds what they refer to.

"How much does it cost?" after "I lost my access card" must search for the card, not for
prices in general. Retrieval sees one question and no history, so a follow-up is rewritten
first: by the model when one is loaded (a short prompt, a few greedy tokens), else by a
rule that carries the previous question's content words over, and, for a pronoun, the
names in the last answer ("Whose legacy will she continue?" after an answer naming
"Ketanji Brown Jackson"). The model's rewrite falls back to the rule when it comes back
empty, rambling, unrelated to the conversation, not a question, or the follow-up copied
back: a model that answers instead of rewriting ("I will continue to fight for justice.")
or repeats it ("And what if that is a Sunday?") is never what is searched.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from localqa.text import CJK_CHAR, STOPWORDS, TOKEN, content_words, fold, has_cjk, words

if TYPE_CHECKING:
    from localqa.generation.base import LanguageModel
    from localqa.schema import Turn

# Words that point back at something said before.
PRONOUNS = frozenset(
    "it its they them their theirs this that these those he she him his her".split()
)
# The same in Chinese, found as substrings (no spaces to split at).
CJK_PRONOUNS = ("它", "他们", "她们", "这个", "那个", "这些", "那些", "这项", "该")
CJK_OPENERS = ("那", "还有", "另外", "而且", "那么", "为什么")
OPENERS = ("and", "but", "also", "what about", "how about", "same for", "what else", "why")
# Words that text.STOPWORDS keeps but that say nothing about the subject: not carried over.
FILLER = frozenset(
    "about also else more other please tell me my mine us know explain describe whose".split()
)
# A rewrite is a question: it ends with a question mark or opens like one.
QUESTION_OPENERS = frozenset(
    """what when where which who whom whose why how is are was were do does did can could
    will would should shall may has have list name give tell explain describe summarise
    summarize compare""".split()
)
CJK_QUESTION_MARKS = ("吗", "什么", "多少", "哪", "谁", "怎么", "几", "是否", "如何", "为什么")
# A capitalised name in an answer ("Ketanji Brown Jackson", "Justice Breyer").
NAME = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
# What a model may put before its rewrite despite being told not to.
LABEL = re.compile(r"^(standalone question|rewritten question|question)\s*:\s*", re.IGNORECASE)
SHORT_QUESTION = 2  # content words; "and contractors?" is a follow-up
CARRIED_WORDS = 8
REWRITE_TOKENS = 48
MAX_REWRITE_CHARS = 300
REWRITE_SYSTEM = (
    "You rewrite follow-up questions. Rewrite the user's last question as one standalone "
    "question that names what it refers to, using the earlier conversation. Do not answer "
    "it. Reply with the rewritten question only."
)


def needs_context(question: str) -> bool:
    """Whether a question leans on an earlier one: a pronoun, a follow-up opener, or too
    few content words to stand alone."""
    lowered = " ".join(words(question))
    if any(lowered == o or lowered.startswith(o + " ") for o in OPENERS):
        return True
    if PRONOUNS & set(lowered.split()):
        return True
    folded = fold(question).strip()
    if folded.startswith(CJK_OPENERS) or any(p in folded for p in CJK_PRONOUNS):
        return True
    count = len(content_words(question) - FILLER)
    if has_cjk(question):
        count = (count + 1) // 2  # a Chinese word is ~2 characters: ~2 bigrams a word
    return count <= SHORT_QUESTION


def answer_names(answer: str) -> list[str]:
    """The names in an answer's first line (after a heading line ending with ":", as the
    extractive answer's), in order: runs of capitalised words; a lone capitalised word only
    inside a sentence ("Go to reception" names nothing)."""
    lines = [line for line in answer.splitlines() if line.strip()]
    first = next((line for line in lines if not line.rstrip().endswith(":")), "")
    found = []
    for match in NAME.finditer(first):
        name = match.group().rstrip(".")
        before = first[: match.start()].rstrip()
        opens = not before or before[-1] in ".!?:-*"
        if " " in name or not (opens or name.lower() in STOPWORDS | PRONOUNS):
            found.append(name)
    return found


def rewrite_by_rule(question: str, previous: str, last_answer: str = "") -> str:
    """The question plus, when it has a pronoun, the names in `last_answer` (the answer it
    may point at), then the previous (standalone) question's content words it lacks, in
    their original order and spelling; unchanged when it needs no context."""
    question = question.strip()
    if not (previous.strip() or last_answer.strip()) or not needs_context(question):
        return question
    have = content_words(question)
    carried: list[str] = []
    if PRONOUNS & set(words(question)):
        for name in answer_names(last_answer):
            new = content_words(name) - have
            if new:
                carried.append(name)
                have |= new
    for word in TOKEN.findall(fold(previous)):
        key = word.lower()
        if CJK_CHAR.match(word):
            # a CJK run is a phrase: carried whole when the question lacks some of its bigrams
            new = content_words(word) - have
            if new:
                carried.append(word)
                have |= new
            continue
        already = key in have or key in {w.lower() for w in carried}
        if key in content_words(word) and key not in FILLER | PRONOUNS and not already:
            carried.append(word)
    if not carried:
        return question
    kept = " ".join(carried).split()[:CARRIED_WORDS]
    return f"{question} {' '.join(kept)}"


def rewrite_with_model(
    model: LanguageModel,
    question: str,
    history: Sequence[Turn],
    previous: str,
    stop: threading.Event | None = None,
) -> str:
    """Ask the model for a standalone question; the rule's rewrite when the model's reply
    is unusable. Self-contained questions are returned as they are, at no model cost."""
    fallback = rewrite_by_rule(question, previous, history[-1].answer if history else "")
    if not history or not needs_context(question):
        return fallback
    from localqa.generation.base import Sampling
    from localqa.generation.prompt import ContextTooSmall, PromptRequest, pack_prompt

    ask = f"Rewrite this follow-up as a standalone question: {question.strip()}"
    request = PromptRequest(
        ask, [], history[-2:], model.n_ctx, REWRITE_TOKENS, system=REWRITE_SYSTEM
    )
    try:
        packed = pack_prompt(model, request)
    except ContextTooSmall:
        return fallback
    greedy = Sampling(temperature=0.0, top_p=1.0, min_p=0.0)
    reply = "".join(model.stream(packed.tokens, REWRITE_TOKENS, greedy, stop))
    return usable_rewrite(reply, question, previous) or fallback


def is_question(text: str) -> bool:
    """Whether `text` reads as a question (not a statement, such as an answer)."""
    stripped = text.strip()
    if stripped.endswith(("?", "？")):
        return True
    if has_cjk(stripped):
        return any(marker in stripped for marker in CJK_QUESTION_MARKS)
    first = words(stripped)[:1]
    return bool(first) and first[0] in QUESTION_OPENERS


def keeps_the_question(text: str, question: str) -> bool:
    """Whether a rewrite keeps what the follow-up asks about: its content words other than
    pronouns and filler (a Chinese one, half its bigrams: a rewrite may reword them)."""
    needed = content_words(question) - FILLER - PRONOUNS - QUESTION_OPENERS
    missing = needed - content_words(text)
    if has_cjk(question):
        return 2 * len(missing) <= len(needed)
    return not missing


def usable_rewrite(reply: str, question: str, previous: str) -> str | None:
    """The model's rewrite, cleaned, if it is a question about this conversation that
    keeps what the follow-up asks and adds what it refers to (`is_question`,
    `keeps_the_question`, `adds_context`)."""
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return None
    text = LABEL.sub("", lines[0])
    text = text.strip().strip("\"'").strip()
    if not text or len(text) > MAX_REWRITE_CHARS:
        return None
    if not content_words(text) & (content_words(question) | content_words(previous)):
        return None  # unrelated to what was asked: a random or confused model
    if not is_question(text) or not keeps_the_question(text, question):
        return None  # an answer, or a question about something else
    if not adds_context(text, question):
        return None  # the follow-up copied back (Gemma 3 270M does): searched as typed
    return text


def adds_context(text: str, question: str) -> bool:
    """Whether a rewrite names something the follow-up does not: a content word other than
    pronouns and filler. The follow-up needed context (`needs_context`), so a rewrite
    equal to it, or to it reworded with its own words, resolves nothing."""
    return bool(content_words(text) - content_words(question) - FILLER - PRONOUNS)


def standalone_question(
    question: str,
    history: Sequence[Turn],
    previous: str,
    model: LanguageModel | None = None,
    stop: threading.Event | None = None,
) -> str:
    """The question retrieval should search for. `previous` is the standalone form of the
    last question (what it was searched as), so chains of follow-ups keep their subject."""
    if model is None:
        return rewrite_by_rule(question, previous, history[-1].answer if history else "")
    return rewrite_with_model(model, question, history, previous, stop)
