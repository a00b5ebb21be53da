"""How a piece of a message names a task: by number, ordinal, pronoun or title words."""

import re

from chat.agent.offline.lexicon import (
    ALL_WORDS,
    COMMAND_VOCABULARY,
    COMPLETED_WORDS,
    DONE_WORDS,
    LIST_NOUNS,
    NUMBER_MARKERS,
    NUMBER_WORDS,
    PENDING_WORDS,
    PLURAL_PRONOUNS,
    PRONOUNS,
    STOP_WORDS,
)
from chat.agent.offline.requests import Target
from chat.agent.offline.text import is_word, number_value, ordinal_value, words
from todos.models import TaskStatus

# What follows the task in "remove the cake task from my list, as the party is off".
REASON = re.compile(
    r",?\s+(?:as|because|since|cause|coz|so that|now that)\s+.*$"
    r"|,\s+(?:we|i|they|he|she)(?:'re|'m|'ve|'ll|\s+are|\s+am)\s+.*$",
    re.IGNORECASE,
)
LIST_PLACE = re.compile(r"\s+(?:from|off|on|in|onto|to)\s+(?:my|the|that|this)\s+(?:\w+\s+)?list\b", re.IGNORECASE)
LAST_ADDED = re.compile(
    r"\b(?:last|latest|newest|most recent)\s+(?:one|task|thing|item)?\s*(?:i|we|you)?\s*(?:just\s+)?added\b"
    r"|\b(?:one|task|thing|item)\s+(?:i|we|you)\s+(?:just\s+)?added(?:\s+last)?\b"
)
TIME = re.compile(r"\b\d{1,2}(?::\d{2})\s*(?:am|pm)?\b|\b\d{1,2}\s*(?:am|pm)\b|\bat\s+\d{1,2}\b", re.IGNORECASE)
ORDINAL_RANGE = re.compile(r"\b(first|last)\s+(two|three|four|five|2|3|4|5)\b")
SHOWN_LIST = re.compile(
    r"\b(?:on|in|from)\s+(?:that|this|the)\s+list\b|\byou\s+(?:just\s+)?(?:showed|listed|gave|showed\s+me)\b|\bthere\b"
)
IGNORED = STOP_WORDS | COMMAND_VOCABULARY | DONE_WORDS | LIST_NOUNS | PRONOUNS | {"off", "as"}
PENDING_VOCABULARY = frozenset(PENDING_WORDS)
ORDINAL_VOCABULARY = frozenset({"first", "second", "third", "fourth", "fifth", "sixth", "last"})
COMPLETED_VOCABULARY = frozenset(COMPLETED_WORDS)


# "all the shopping ones": every task the words match, not one of them.
ALL_OF_KIND = re.compile(r"\ball\s+(?:the\s+|my\s+)?\w+(?:\s+\w+)?\s+(?:ones|tasks|items|things)\b")


def read_target(fragment: str) -> Target:
    """The task(s) `fragment` names; an empty `Target` when it names none."""
    fragment = TIME.sub(" ", REASON.sub("", fragment))
    lowered = fragment.lower()
    shown_list = bool(SHOWN_LIST.search(lowered))
    last_added = bool(LAST_ADDED.search(lowered))
    tokens = [token.removesuffix("'s") for token in words(LIST_PLACE.sub(" ", fragment))]
    numbers = _numbers(tokens)
    if numbers:
        return Target(numbers=numbers)
    if last_added:
        return Target(last_added=True)
    if match := ORDINAL_RANGE.search(lowered):  # "the first two"
        count = number_value(match.group(2)) or 1
        span = range(1, count + 1) if match.group(1) == "first" else range(-count, 0)
        return Target(ordinals=tuple(span), plural=True)
    several = [value for word in tokens if (value := ordinal_value(word)) is not None and word != "last"]
    if len(several) > 1:  # "2nd and 4th"
        return Target(ordinals=tuple(several), plural=True)
    ordinal = _ordinal(tokens)
    if ordinal is not None and (shown_list or _only_ordinal(tokens)):
        return Target(ordinal=ordinal)
    everything = _everything(tokens)
    if everything is not None:
        return Target(everything=everything)
    plural = any(token in PLURAL_PRONOUNS for token in tokens) or bool(ALL_OF_KIND.search(lowered))
    content = tuple(
        token
        for token in tokens
        if token not in IGNORED
        and not token.isdigit()
        and token not in {"#", "+"}
        and not (plural and token in NUMBER_WORDS)  # "those two"
    )
    if content:
        listed = bool(re.search(r",|\band\b|\+|&", fragment)) and len(content) > 1
        return Target(words=content, plural=plural or listed)
    if ordinal is not None:
        return Target(ordinal=ordinal)
    pronouns = [token for token in tokens if token in PRONOUNS]
    if pronouns:
        return Target(pronoun=True, plural=any(token in PLURAL_PRONOUNS for token in tokens))
    return Target()


def _numbers(tokens: list[str]) -> tuple[int, ...]:
    """Task numbers: digits anywhere ("task 3", "#3", "3"), number words after a marker
    ("number three", "task six") or standing alone ("tick off nine", "two and five")."""
    found: list[int] = []
    fillers = NUMBER_MARKERS | {"and", "or", "the", "off", "as", "done", "to", "also", "too", "both", "plus"}
    alone = all(number_value(token) is not None or token in fillers or token in COMMAND_VOCABULARY for token in tokens)
    for index, word in enumerate(tokens):
        value = number_value(word)
        if value is None:
            continue
        after_marker = index > 0 and tokens[index - 1] in NUMBER_MARKERS
        # "one" alone is the number; among other words it is "the X one".
        single = len(tokens) == 1
        # A bare digit is a task number in a short reference ("rename 9", "7 is done"); in a
        # story it is a quantity ("3 dozen croissants", "took 3 hrs").
        digit = word.isdigit() and (alone or len([t for t in tokens if t not in IGNORED and not t.isdigit()]) <= 1)
        if digit or after_marker or (alone and word in NUMBER_WORDS and (word != "one" or single)):
            found.append(value)
    return tuple(dict.fromkeys(number for number in found if number > 0))


def _ordinal(tokens: list[str]) -> int | None:
    for index, token in enumerate(tokens):
        value = ordinal_value(token)
        if value is None and (spelled := is_word(token, ORDINAL_VOCABULARY)):
            value = ordinal_value(spelled)  # "the frist one"
        if value is None:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if following in {"", "one", "task", "item", "thing", "on", "in", "from", "of", "todo"}:
            return value
    return None


def _only_ordinal(tokens: list[str]) -> bool:
    return all(
        ordinal_value(token) is not None or token in STOP_WORDS or token in COMMAND_VOCABULARY or token in DONE_WORDS
        for token in tokens
    )


def _everything(tokens: list[str]) -> TaskStatus | None:
    """ "all the completed ones", "everything", "every task": all tasks of a status."""
    if not ({"all", "every", "everything", "everyone"} & set(tokens)):
        return None
    rest = [token for token in tokens if token not in {"all", "every", "everything", "of", "them"}]
    if any(token not in IGNORED and token not in PENDING_WORDS and token not in COMPLETED_WORDS for token in rest):
        return None  # "all the groceries": words of a title
    return read_status(tokens, default="all")


def read_status(tokens: list[str], *, default: TaskStatus = "all") -> TaskStatus:
    """Which tasks a list or count asks for: "what's left" pending, "what did I finish"
    completed, "in total, done ones included" all."""
    joined = " ".join(tokens)
    if re.search(r"\b(?:have|did)\s+i\s+(?:already\s+)?(?:finished|completed|done|ticked|checked|crossed)\b", joined):
        return "completed"  # "how many have I finished altogether"
    if {"total", "included", "including", "altogether", "overall"} & set(tokens):
        return "all"
    if re.search(r"\bor\s+not\b|\beither\s+way\b|\bregardless\b|\bdone\s+or\s+(?:not|open)\b", joined):
        return "all"
    if re.search(
        r"\b(?:not|haven't|havent|didn't|didnt|hasn't|isn't|aren't)\s+(?:yet\s+)?(?:been\s+)?(?:done|completed?|finished"
        r"|ticked|checked)\b|\b(?:to|got|left)\s+do\b",
        joined,
    ):
        return "pending"
    if set(tokens) & PENDING_WORDS:
        return "pending"
    if set(tokens) & COMPLETED_WORDS or re.search(r"\bdid\s+i\s+(?:do|get)", joined):
        return "completed"
    if any(is_word(token, PENDING_VOCABULARY) for token in tokens):
        return "pending"
    if any(is_word(token, COMPLETED_VOCABULARY) for token in tokens):
        return "completed"
    if set(tokens) & ALL_WORDS:
        return "all"
    return default
