"""What every reader of a clause works with: the `Clause`, a `Reading` (its precedence tier and
request), the word sets built from the lexicon, and small helpers to take a clause apart."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from chat.agent.offline.lexicon import (
    ALL_WORDS,
    COMMAND_VOCABULARY,
    COMPLETED_WORDS,
    DONE_WORDS,
    FIELD_VOCABULARY,
    LIST_NOUNS,
    PENDING_WORDS,
    SHOW_VERBS,
    TASK_VERBS,
)
from chat.agent.offline.requests import Request, Target
from chat.agent.offline.text import is_word
from chat.agent.offline.tiers import Tier

COMMANDS = frozenset(COMMAND_VOCABULARY)

PRIORITY = frozenset({"priority", "priorities", "prioritize", "prioritise", "urgent"})

STATUS_VOCABULARY = frozenset(PENDING_WORDS | COMPLETED_WORDS)


# Words of "show me everything I've still got to do" that name no task.
LIST_WORDS = LIST_NOUNS | ALL_WORDS | {
    "me", "us", "my", "the", "what", "that's", "thats", "i", "i've", "ive", "have", "got", "to", "do", "ones",
    "is", "are", "on", "there", "so", "far", "now", "please", "again", "every", "whole", "full",
}  # fmt: skip

LIST_VOCABULARY = frozenset(LIST_WORDS) | STATUS_VOCABULARY

FIELDS = frozenset(FIELD_VOCABULARY)

TASK_VERB_SET = frozenset(TASK_VERBS)

DONE = frozenset(DONE_WORDS)


def pattern(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE)


def one_of(*classes: Iterable[str]) -> str:
    """A regex alternation of the words of lexicon classes (longest first), to build patterns
    from the words the lexicon already has rather than re-listing them."""
    found = {word for words_ in classes for word in words_}
    return "|".join(re.escape(word) for word in sorted(found, key=lambda word: (-len(word), word)))


QUOTED = pattern(r"\"[^\"]+\"|(?<![\w'])'(?:[^']|'(?=\w))+'(?![\w'])")


# "show more", "next page", "the rest of them", "keep going": the next page of the list last shown.
# ("remaining" is not here: "the remaining tasks" are the pending ones.)
MORE = pattern(
    rf"^(?:(?:and|also|ok|okay|so)\s+)?(?:(?:{one_of(SHOW_VERBS, {'get'})})\s+(?:me\s+|us\s+)?)?"
    r"(?:(?:the\s+)?(?:next|rest)(?:\s+(?:\d+|one|ones|page|batch|few|lot|tasks?|items?|todos?))*"
    r"(?:\s+of\s+(?:them|those|it|the\s+(?:tasks|list)|my\s+(?:tasks|list)))?"
    r"|(?:some\s+|any\s+)?more(?:\s+(?:tasks|items|todos|of\s+them|of\s+those|of\s+(?:the|my)\s+(?:tasks|list)))?"
    r"|keep\s+going|go\s+on|carry\s+on|continue)(?:\s+(?:please|then|too|thanks))*$"
)


@dataclass(frozen=True)
class Clause:
    """One clause of a message: its text after the opening niceties, and how it was said."""

    text: str
    tokens: tuple[str, ...]
    question: bool
    continued: bool  # opened with "and", "also", "oh and", "plus"
    prefix: Target  # "in task 2, ..." / "task 3: ..."


Reading = tuple[Tier, Request]


def command_head(clause: Clause, vocabulary: frozenset[str] = COMMANDS) -> str | None:
    """The command word the clause opens with, typos and "-ing" forms forgiven ("showing me")."""
    word = clause.tokens[0]
    if (found := is_word(word, vocabulary)) or not word.endswith("ing") or len(word) < 6:
        return found
    return is_word(word[:-3], vocabulary) or is_word(word[:-3] + "e", vocabulary)


def without_first(text: str, skip: int = 1) -> str:
    """`text` without its first `skip` words."""
    return re.sub(rf"^\W*(?:[\w'#+-]+\W*?\s*){{{skip}}}", "", text, count=1).strip(" ,:;")


def unquote(text: str) -> str:
    text = text.strip().strip(" ,;:.!?")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text.strip("\"'").strip()
