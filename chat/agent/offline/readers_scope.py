"""Readers of what outranks any command word: undo, reopen, and what no tool does (reminders
sent to the user, repeats, due dates and priorities)."""

import re

from chat.agent.offline.adds import ADD_MARKER
from chat.agent.offline.lexicon import ADD_VERBS, CONTACT_VERBS, DUE_WORDS, UPDATE_VERBS
from chat.agent.offline.reading import PRIORITY, Clause, Reading, command_head, one_of, pattern
from chat.agent.offline.requests import Request
from chat.agent.offline.targets import read_target
from chat.agent.offline.text import is_word, words
from chat.agent.offline.tiers import Tier

DUE_REQUEST = pattern(r"\b(?:due\s+date|deadline|overdue|due\s+(?:by|on|next|this|tomorrow|today))\b")

REOPEN_WORDS = pattern(
    r"\b(?:reopen|re-open|un-?mark|un-?check|un-?tick|un-?complete|un-?finish|mark|set|make|flag|change|put|move|as|back"
    r"|not|yet|done|complete|completed|finished|undone|incomplete|unfinished|pending|open|to\s*do|uncompleted|again"
    r"|please|now|after\s+all)\b"
)

REMINDER_REQUEST = pattern(
    rf"\b(?:{one_of(CONTACT_VERBS)})\s+me\b|\bsend\s+me\b"
    r"|\b(?:send|share|forward|email|text)\s+(?:this|the|my|our)\s+(?:whole\s+)?(?:list|tasks)\b"
    r"|^(?:send|text|email|message|call|phone|ring)\b(?:\s+\w+){0,5}\s+for\s+me\b"
    r"|\b(?:send|give)\s+me\s+(?:a\s+)?(?:notification|push)\b|\bpush\s+notifications?\b"
    r"|\bset\s+(?:a|an|up\s+a|up\s+an)\s+(?:reminder|alarm|timer)\b"
)

UNDO = pattern(
    r"\b(?:undo|revert|undelete|restore|roll\s+back)\b|\b(?:bring|put|get)\s+(?:it|that|them|this)\s+back\b"
    r"|\btake\s+(?:that|it)\s+back\b"
)

REOPEN = pattern(
    r"\b(?:mark(?:ed)?|tick(?:ed)?|check(?:ed)?)\s+(?:it\s+|that\s+)?(?:as\s+)?(?:done|complete|completed|off)\s+"
    r"(?:by\s+mistake|by\s+accident|accidentally|wrongly|too\s+early)|"
    r"\b(?:reopen|re-open|un-?mark|un-?check|un-?tick|un-?complete|un-?finish|un-?do\s+(?:the\s+)?(?:tick|check))\b|^(?:mark|set|make|flag|change|put|move)\b.*\b(?:as\s+|to\s+|back\s+to\s+)?"
    r"(?:not\s+(?:yet\s+)?(?:done|complete|completed|finished)|undone|incomplete|unfinished|pending|open|to\s*do|uncompleted)"
    r"(?:\s+(?:again|please|now|yet|after\s+all))*$"
    r"|^(?:task\s+)?#?\d+(?:\s*(?:,|and)\s*#?\d+)*\s+(?:to\s+|as\s+|back\s+to\s+)?"
    r"(?:to\s*do|undone|not\s+done|pending|open|unfinished|incomplete)$"
)


def read_refusals(clause: Clause, after_add: bool) -> Reading | None:
    text = clause.text
    if UNDO.search(text):
        named = read_target(text)
        if named.numbers and re.search(r"\b(?:completion|complete|done|tick|check|finished)\b", text.lower()):
            return Tier.UNDO, Request("reopen", target=named)  # "undo the completion on #4"
        return Tier.UNDO, Request("undo")
    if REOPEN.search(text) and (not clause.question or REOPEN.match(text)):
        return Tier.SPECIAL, Request("reopen", target=read_target(REOPEN_WORDS.sub(" ", text)))
    if REMINDER_REQUEST.search(text) and not text.lower().startswith(("remind me to", "remind me about")):
        return Tier.SPECIAL, Request("unsupported", topic="reminder")
    if re.search(
        r"\b(?:repeat|repeating|recurring|recur)\b|\bevery\s+(?:day|week|month|morning|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
        text.lower(),
    ) and not command_head(clause, frozenset(ADD_VERBS)):
        return Tier.SPECIAL, Request("unsupported", topic="repeat")
    asked = words(text.partition(":")[0])  # what follows a colon is a note's or a title's text
    due = set(asked) & DUE_WORDS and (clause.question or command_head(clause, frozenset(UPDATE_VERBS)))
    explicit = DUE_REQUEST.search(" ".join(asked)) or any(is_word(word, PRIORITY) for word in asked)
    if (due or explicit) and not (command_head(clause, frozenset(ADD_VERBS)) or ADD_MARKER.match(text)):
        return Tier.SPECIAL, Request("unsupported", topic="due")
    return None
