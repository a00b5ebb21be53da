"""Cutting a message into clauses: sentences, then the clauses of each ("add X then mark 1 done"),
each stripped of what opens it without meaning (fillers, greetings, "my wife says:", "task 3:")."""

import re

from chat.agent.offline.adds import ADD_MARKER
from chat.agent.offline.lexicon import FILLER_WORDS
from chat.agent.offline.politeness import base_form, skip_politeness
from chat.agent.offline.reading import COMMANDS, MORE, QUOTED, Clause, pattern
from chat.agent.offline.requests import Target
from chat.agent.offline.text import is_word, number_value, words

SENTENCE_BREAK = pattern(
    r"(?<=[.!?])(?<!\bno\.)(?<!\bnr\.)(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bst\.)(?<!\bmrs\.)(?<!\bvs\.)"
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)\s+(?=\S)|\n+"
)

COMMAND_AHEAD = (
    r"(?=(?:mark|delete|remove|rm|tick|cross|complete|rename|change|update|edit|show|list|get\s+rid|undo|erase|replace\s+['\"]|swap\s+['\"]"
    r"|call\s+(?:it|that|this)\b|name\s+(?:it|that)\b|check\s+off)\b)"
)

CLAUSE_BREAK = pattern(
    r"\s*;\s*|\s*,?\s*\band\s+then\s+|\s*,\s*then\s+|\s+then\s+(?=\w)|\s+(?:-+|—)\s+(?!(?:notes?|description|details)\b)"
    rf"|\s*,\s*(?:and\s+)?{COMMAND_AHEAD}|\s+and\s+(?:also\s+)?{COMMAND_AHEAD}"
    r"|\s*,\s*(?:and\s+|but\s+|so\s+)?(?=(?:can|could|would|will)\s+you\b|please\s+\w)"
    r"|\s+(?=(?:tick|check|cross|mark)\s+(?:it|that|them|this|those|both)\s+(?:off|done|as\s+done|complete)\b)"
    r"|\s*,\s*(?=(?:he|she|they)\s+(?:already|just|said|says|was|were|is|are|loved|liked|replied|cried|called)\b)"
    r"|\s*,\s*(?:and\s+)?(?=(?:drop|bin|scrap|trash|ditch|erase|finish|close|cancel)\s+(?:both\s+|tasks?\s+|#|numbers?\s+)?"
    r"(?:\d|it\b|them\b|those\b|that\b))"
)

OPENING_PHRASES = pattern(
    r"^(?:would\s+you\s+mind(?:\s+terribly|\s+ever\s+so\s+much|\s+very\s+much)?|(?:can|could|would|will)\s+you(?:\s+please|\s+kindly|\s+just)*"
    r"|i\s+(?:want|need|would\s+like|'d\s+like)\s+you\s+to|help\s+me|let'?s|go\s+ahead\s+and|quick\s+one\s*:?"
    r"|good\s+(?:morning|afternoon|evening|day)|(?:this|next)\s+(?:week|weekend|month)|today|tonight|tomorrow"
    r"|for\s+today|oh\s+wait|by\s+the\s+way)\b[\s,:!.]*"
)

RELAYED = pattern(
    r"^(?:my\s+)?\w+(?:\s+\w+)?\s+(?:says|said|wants\s+me\s+to|asked\s+me\s+to|told\s+me\s+to)\s*:?\s+"
    r"(?=(?:add|put|remind|delete|remove|mark|change|rename)\b)"
)

PREFIX_TARGET = pattern(r"^(?:in|for|on)?\s*(?:task|#|number|item)\s*#?\s*(?P<number>\w+)\s*[:,]\s*(?=\S)")


def clauses_of(text: str) -> list[Clause]:
    quotes: list[str] = []

    def hide(match: re.Match[str]) -> str:
        quotes.append(match.group(0))
        return f"\x00{len(quotes) - 1}\x00"

    hidden = QUOTED.sub(hide, text)
    clauses = []
    for sentence in SENTENCE_BREAK.split(hidden):
        for part in CLAUSE_BREAK.split(sentence):
            restored = re.sub(r"\x00(\d+)\x00", lambda match: quotes[int(match.group(1))], part or "")
            clause = _clause(restored)
            if clause is not None:
                clauses.append(clause)
    return clauses


HEAD_VOCABULARY = COMMANDS | frozenset({"remind", "remember", "forget", "need", "gotta"})

TEXTING_TO = pattern(r"\b(me|need|have|got|want|going|able|try)\s+2\s+(?=[a-z])")


def _correct_head(text: str) -> str:
    """The first word, if a typo of a command or marker word, spelled right ("remnd me to")."""
    head = re.match(r"[\w'-]+", text)
    if head is None:
        return text
    word = head.group(0).lower()
    corrected = is_word(word, HEAD_VOCABULARY)
    return corrected + text[head.end() :] if corrected and corrected != word and word not in FILLER_WORDS else text


def _clause(raw: str) -> Clause | None:
    question = raw.rstrip().endswith("?")
    text = TEXTING_TO.sub(r"\1 to ", raw.strip(" \t,.;!?"))
    continued = False
    prefix = Target()
    while True:
        lowered = text.lower()
        first = words(lowered[:20])[:1]
        if first and first[0] in {"and", "also", "plus"} or re.match(r"^\W*oh\s+(?:and|also)\b", lowered):
            continued = True
        if match := OPENING_PHRASES.match(text):
            text = text[match.end() :]
            if "mind" in match.group(0).lower():  # "would you mind clearing ..."
                text = base_form(text)
        elif (
            first
            and re.sub(r"(.)\1{2,}", r"\1", first[0]) in FILLER_WORDS
            and not re.match(r"^\W*(?:first|next|last)\s+(?:one|item|task|thing|on|in)\b", lowered)
            and len(words(text)) > 1
            and not _starts_command(text)
            and not _starts_marker(text)
            and not MORE.match(lowered)  # "next page"
        ):
            text = re.sub(r"^\W*[\w']+[\s,!.:]*", "", text, count=1)
        elif match := RELAYED.match(text):  # "mom says add: ..."
            text = text[match.end() :]
        elif match := PREFIX_TARGET.match(text):
            value = number_value(match["number"])
            if value is None:
                break
            prefix = Target(numbers=(value,))
            text = text[match.end() :]
        else:
            break
        text = text.strip(" \t,.;!?")
    text = _correct_head(skip_politeness(text))
    tokens = tuple(words(text))
    if not tokens or (
        all(re.sub(r"(.)\1{2,}", r"\1", token) in FILLER_WORDS for token in tokens) and not MORE.match(text.lower())
    ):
        return None
    return Clause(text=text, tokens=tokens, question=question, continued=continued, prefix=prefix)


def _starts_command(text: str) -> bool:
    head = words(text)[:1]
    return bool(head) and head[0] in {"done", "add", "finished", "one"} and len(words(text)) > 1


def _starts_marker(text: str) -> bool:
    return bool(ADD_MARKER.match(text))
