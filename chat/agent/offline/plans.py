"""Finding the planning words in what is said: the span of a due date or time ("next monday at
9", "by the end of the month"), of a repeat ("every other week", "monthly on the 1st"), a
priority ("urgent", "low priority", "!!") and a reminder asked for ("remind me the day
before"). Only the spans are found here: the service reads the date words in the owner's zone."""

import re
from dataclasses import replace

from chat.agent.offline.lexicon import (
    COUNT_WORDS,
    DUE_PREFIXES,
    MONTH_NAMES,
    NOT_DUE_PREFIXES,
    PRIORITY_PHRASES,
    WEEKDAY_NAMES,
)
from chat.agent.offline.reading import one_of, pattern
from chat.agent.offline.requests import Plan
from todos.models import Priority

WEEKDAY = rf"(?:{one_of(WEEKDAY_NAMES)})"
MONTH = rf"(?:{one_of(MONTH_NAMES)})"
ORDINAL = r"\d{1,2}(?:st|nd|rd|th)"
COUNT = rf"(?:\d{{1,3}}|{one_of(COUNT_WORDS)})"
TIME = (
    r"(?:(?:at|by|@)\s*\d{1,2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?|\d{1,2}(?::\d{2})?\s*[ap]\.?m\.?"
    r"|(?:at\s+)?(?:noon|midday))"
)
DAY = (
    r"(?:today|tonight|tomorrow|tmrw|this\s+(?:morning|afternoon|evening|weekend)|next\s+(?:week|weekend|month)"
    rf"|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:month|week)|(?:(?:this|next)\s+)?{WEEKDAY}(?:\s+next\s+week)?"
    rf"|in\s+{COUNT}\s+(?:days?|weeks?|months?)|(?:the\s+)?{ORDINAL}(?:\s+of\s+{MONTH})?|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH})(?:\s+(?:morning|afternoon|evening|night))?"
)
PREFIX = rf"(?:(?:{one_of(DUE_PREFIXES)})\s+)?"
DUE_SPAN = rf"{PREFIX}(?:{DAY}(?:\s*,?\s*{TIME})?|{TIME}(?:\s+{PREFIX}{DAY})?)"
# At the end of what is said, after a space or a comma.
TRAILING_DUE = pattern(rf"(?:^|[\s,]+)(?P<due>{DUE_SPAN})[\s,.!]*$")
ONLY_DUE = pattern(rf"^\s*(?P<due>{DUE_SPAN})\s*$")
REPEAT = pattern(
    rf"(?:^|[\s,]+)(?P<repeat>(?:(?:every|each)\s+(?:other\s+|{COUNT}\s+)?(?:day|weekday|week|month|year|weekend"
    rf"|{WEEKDAY}(?:\s*(?:,|and|&)\s*{WEEKDAY})*|{MONTH}|(?:days|weeks|months))"
    r"|(?:daily|weekly|monthly|yearly|annually|(?:on\s+)?weekdays)(?=\s+(?:on|at|starting|from)\b|\s*[,.!]|\s*$))"
    r"(?:\s+on\s+the\s+\d{1,2}(?:st|nd|rd|th)?)?)\b"
    rf"(?:[\s,]+(?:starting|from|beginning)\s+(?P<start>{DAY}))?"
)
_PRIORITY_WORDS = {phrase: level for level, phrases in PRIORITY_PHRASES.items() for phrase in phrases}
_PRIORITY_ALTERNATIVES = "|".join(re.escape(phrase) for phrase in sorted(_PRIORITY_WORDS, key=len, reverse=True))
LEADING_PRIORITY = pattern(rf"^\s*(?P<priority>{_PRIORITY_ALTERNATIVES})\s*(?::|-|!+)\s*|^\s*(?P<bangs>!{{2,}})\s*")
TRAILING_PRIORITY = pattern(
    rf"\s*(?:,|-|\(|\bas\b)\s*(?:(?:it'?s|it\s+is|this\s+is|and)\s+)?(?:very\s+|really\s+|super\s+)?"
    rf"(?P<priority>{_PRIORITY_ALTERNATIVES})\)?[\s.!]*$"
)
REMINDER_TAIL = pattern(
    r"[\s,]*(?:\band\s+|\bthen\s+)?(?:please\s+)?(?:remind|text|email|e-mail|ping|notify|alert|message|call)\s+me\b"
    r"(?P<rest>.*)$"
)
ONLY_TIME = pattern(rf"^{TIME}$")
TIME_SAID = pattern(rf"(?:^|\s){TIME}(?:\s|$)|\btonight\b")
REMINDER_TIME = pattern(rf"\b(?P<time>{TIME})\b")


def priority_of(phrase: str) -> Priority | None:
    level = _PRIORITY_WORDS.get(" ".join(phrase.lower().split()))
    return level if level in ("high", "medium", "low") else None  # type: ignore[return-value]


def due_words(span: str) -> str:
    """The date words of a span for the service: without the word it followed ("by", "on")."""
    text = " ".join(span.lower().replace(",", " ").split())
    if ONLY_TIME.match(text):
        return text  # "by 5": the service reads "by" as a time's mark
    text = re.sub(rf"^(?:{one_of(DUE_PREFIXES)})\s+", "", text)
    text = re.sub(rf"^({WEEKDAY})\s+next\s+week\b", r"\1 next week", text)
    text = re.sub(r"^the\s+(?=\d)", "", text.replace("tmrw", "tomorrow"))
    return WEEKDAY_ABBREVIATION.sub(lambda match: FULL_WEEKDAYS[match.group(0)], text)  # "thurs"


FULL_WEEKDAYS = {
    "mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "thu": "thursday",
    "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
}  # fmt: skip
WEEKDAY_ABBREVIATION = re.compile(rf"\b(?:{'|'.join(sorted(FULL_WEEKDAYS, key=len, reverse=True))})\b")


def split_plan(text: str) -> tuple[str, Plan]:
    """`text` without its planning words, and what they say."""
    plan = Plan()
    if priority := priority_of(text.strip(" ,;:-.")):  # "add: X, high priority, by friday"
        return "", Plan(priority=priority)
    if match := REMINDER_TAIL.search(text):
        text, plan = text[: match.start()], replace(plan, reminder=True)
        if timed := REMINDER_TIME.search(match["rest"]):
            plan = replace(plan, due=due_words(timed["time"]))
    if match := LEADING_PRIORITY.match(text):
        text, plan = text[match.end() :], replace(plan, priority=priority_of(match["priority"] or match["bangs"]))
    if match := TRAILING_PRIORITY.search(text):
        text, plan = text[: match.start()], replace(plan, priority=priority_of(match["priority"]))
    if match := REPEAT.search(text):
        repeat = " ".join(match["repeat"].lower().split())
        text = text[: match.start()] + text[match.end() :]
        plan = replace(plan, repeat=repeat, due=due_words(match["start"]) if match["start"] else plan.due)
    due: list[str] = []
    for _ in range(2):
        match = TRAILING_DUE.search(text)
        if match is None or _part_of_title(text[: match.start()], match["due"]):
            break
        due.insert(0, due_words(match["due"]))
        text = text[: match.start()]
    if due:
        plan = replace(plan, due=" ".join([*due, plan.due or ""]).strip())
    if plan.repeat and plan.due and ONLY_TIME.match(plan.due):
        plan = replace(plan, due=f"{plan.repeat} {plan.due}", repeat=None)  # "daily at 9pm"
    return text.strip(" ,;:-"), plan


def _part_of_title(before: str, span: str) -> bool:
    """Whether a day said after `before` belongs to the title ("the slides from monday")."""
    previous = before.lower().split()[-1:] if before.strip() else []
    starts_with_prefix = span.lower().split()[0] in DUE_PREFIXES
    return bool(previous) and previous[0] in NOT_DUE_PREFIXES and not starts_with_prefix
