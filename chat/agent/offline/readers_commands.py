"""The reader of clauses that open with a command verb: add, mark, delete, rename, show..."""

import re
from dataclasses import replace

from chat.agent.offline.adds import read_add
from chat.agent.offline.lexicon import (
    ADD_VERBS,
    COMPLETE_VERBS,
    DELETE_VERBS,
    LIST_NOUNS,
    NEGATIONS,
    NOTE_FIELDS,
    SHOW_VERBS,
    TITLE_FIELDS,
    UNDO_WORDS,
    UPDATE_VERBS,
)
from chat.agent.offline.reading import (
    DONE,
    FIELDS,
    LIST_VOCABULARY,
    Clause,
    Reading,
    command_head,
    pattern,
    unquote,
    without_first,
)
from chat.agent.offline.requests import Request, Target
from chat.agent.offline.targets import read_status, read_target
from chat.agent.offline.text import capitalise, is_word, number_value, words
from chat.agent.offline.tiers import Tier

SUFFIX_TARGET = pattern(r"\s+(?:in|on|for|of)\s+(?:task|#|number|item)\s*#?\s*(?P<number>\w+)$")

REPLACE_NOTE = pattern(r"^(?:the\s+)?\w+\s+(?:on|of|for|in)\s+(?P<target>.+?)\s+with\s*:?\s*(?P<value>.+)$")


def read_command(clause: Clause, after_add: bool) -> Reading | None:
    """A clause that opens with a command verb: add, mark, delete, rename, show..."""
    if (phrasal := _read_phrasal(clause)) is not None:
        return phrasal
    text, tokens = clause.text, clause.tokens
    lowered = text.lower()
    head = command_head(clause)
    if head is None:
        return None
    rest = without_first(text)
    if head in ADD_VERBS:
        if head == "new" and not re.match(r"^new\s+(?:task|todo|to-do|item|reminder)", lowered):
            return None
        if head in {"put", "pop", "stick", "bung", "slap"} and not re.search(
            r"\b(?:on|onto|to|in)\s+(?:my|the|that)\s+(?:\w+\s+)?list\b|\bon\s+there\b|^\w+\s+(?:down|in)\b|:", lowered
        ):
            return None  # "put the table saw up on marketplace": a story
        return Tier.COMMAND, read_add(re.sub(r"^(?:down|in)\b\s*", "", rest))
    if head in {"tick", "check", "cross"}:
        if not re.search(r"\boff\b", lowered):
            target = read_target(rest)  # "tick 3", "tick them"; "check the oven" is a task
            if head != "cross" and (target.numbers or target.pronoun):
                return Tier.TICK_NUMBER, Request("complete", target=target)
            return None
        return Tier.COMMAND, Request("complete", target=read_target(re.sub(r"\boff\b", " ", rest)))
    if head in {"mark", "flag", "set", "make"} and (
        set(tokens[1:]) & DONE or re.search(r"\bas\s+(?:complete|done|finished)\b", lowered)
    ):
        return Tier.COMMAND, Request("complete", target=read_target(_before_done(rest)))
    if head in {"mark", "flag"}:
        return Tier.MARK_ALONE, Request("complete", target=read_target(rest))
    if head in COMPLETE_VERBS:
        if head == "done" and len(tokens) == 1:
            return None
        return Tier.COMMAND, Request("complete", target=read_target(re.sub(r"^(?:with|off)\b", "", rest)))
    if head in DELETE_VERBS:
        if set(tokens) & FIELDS:
            return None  # "remove the note from X": an edit
        if head == "cancel" and not read_target(rest).named:
            return None
        target = read_target(re.sub(r"^(?:out|off|away)\b", "", rest))
        return (Tier.COMMAND if target.named or not rest else Tier.VAGUE_COMMAND), Request("delete", target=target)
    if head in UPDATE_VERBS:
        return _read_update(head, rest)
    if head in SHOW_VERBS:
        return _read_show(head, clause, rest)
    if head in UNDO_WORDS:
        return Tier.UNDO_VERB, Request("undo")
    return None


def _read_phrasal(clause: Clause) -> Reading | None:
    """Commands of more than one word: "get rid of X", "take X off", "note this down: X"; "count"."""
    text, tokens = clause.text, clause.tokens
    lowered = text.lower()
    if lowered.startswith(("get rid of", "take off")):
        return Tier.COMMAND, Request(
            "delete", target=read_target(without_first(text, 3 if lowered.startswith("get") else 2))
        )
    if re.match(r"^take\s+.+\s+off\b", lowered):
        return Tier.COMMAND, Request("delete", target=read_target(re.sub(r"^take\s+|\s+off\b.*$", "", lowered)))
    if re.match(r"^(?:note|write|jot|scribble)\s+(?:this\s+|that\s+|it\s+)?down\b", lowered):
        return Tier.COMMAND, read_add(
            re.sub(r"^\w+\s+(?:this\s+|that\s+|it\s+)?down\b\s*:?\s*", "", text, flags=re.IGNORECASE)
        )
    if tokens[0] in {"count", "tally"}:
        return Tier.QUESTION, Request("count", status=read_status(list(tokens)))
    return None


def _read_show(head: str, clause: Clause, rest: str) -> Reading | None:
    """ "show my tasks", "list what's left", "show me task 2", "read me task one's note"."""
    tokens, lowered = clause.tokens, clause.text.lower()
    if re.search(r"\bhow\s+(?:many|much)\b", lowered):
        return Tier.COMMAND, Request("count", status=read_status(list(tokens)))
    if set(tokens) & NOTE_FIELDS:
        target = read_target(" ".join(word for word in words(rest) if word not in NOTE_FIELDS and word != "me"))
        if target.named:
            return Tier.QUESTION, Request("ask_note", target=target)  # "read me task one's note"
    if head in {"give", "tell", "read", "print"} and not (set(tokens) & (LIST_NOUNS | {"me"})):
        return None
    subject = [word for word in words(rest) if not is_word(word, LIST_VOCABULARY) and word not in NEGATIONS]
    target = read_target(" ".join(subject))
    if target.numbers or target.words:
        return Tier.QUESTION, Request("ask_task", target=target)  # "show me task 2 with its note"
    return Tier.COMMAND, Request("show", status=read_status(list(tokens)))


def _before_done(text: str) -> str:
    return re.sub(r"\s+(?:as\s+)?(?:done|complete|completed|finished)\b.*$", "", text, flags=re.IGNORECASE)


def _read_update(head: str, rest: str) -> Reading | None:
    if (suffix := SUFFIX_TARGET.search(rest)) and (number := number_value(suffix["number"])) is not None:
        reading = _read_update(head, rest[: suffix.start()])
        if reading is not None and not reading[1].target.named:
            return reading[0], replace(reading[1], target=Target(numbers=(number,)))
        return reading
    lowered = rest.lower()
    if head == "swap" or (head == "replace" and not set(words(lowered.split(" with ")[0])) & FIELDS):
        joiner = r"\s+(?:for|with)\s+" if head == "swap" else r"\s+with\s+"
        pieces = re.split(joiner, rest, maxsplit=1)
        if len(pieces) != 2:
            return None
        old_target = read_target(pieces[0])
        if old_target.numbers and not pieces[0].strip().startswith(("'", '"')):
            return Tier.COMMAND, Request("update", target=old_target, title=capitalise(unquote(pieces[1])))
        return Tier.COMMAND, Request("update", replace=(unquote(pieces[0]), unquote(pieces[1])))
    if head == "replace":
        if match := REPLACE_NOTE.match(rest):
            return Tier.NOTE_EDIT, Request(
                "update", target=read_target(match["target"]), description=unquote(match["value"])
            )
        return None
    parts = _split_to(rest)
    if parts is None:
        if head in {"rename", "retitle"}:
            return Tier.RENAME_ALONE, Request("update", target=read_target(rest))
        return None
    left, value = parts
    left_words = words(left)
    value_text = unquote(value)
    if words(value_text) and set(words(value_text)) <= DONE:
        return Tier.COMMAND, Request("complete", target=read_target(left))
    fields = [is_word(word, FIELDS) for word in left_words]
    target = read_target(" ".join(word for word, field in zip(left_words, fields, strict=True) if not field))
    if any(field in NOTE_FIELDS for field in fields if field):
        return Tier.NOTE_EDIT, Request("update", target=target, description=value_text)
    stripped = left.strip()
    if stripped[:1] in "'\"" and stripped[-1:] in "'\"" and not any(fields):
        return Tier.EDIT, Request("update", replace=(unquote(stripped), value_text))
    if not target.named and not any(field in TITLE_FIELDS for field in fields if field):
        return None
    return Tier.EDIT, Request("update", target=target, title=capitalise(value_text))


def _split_to(rest: str) -> tuple[str, str] | None:
    """ "the electrician one to 'call the electrician about X'" -> (target, value): at the "to"
    before a quoted value, else the first "to"."""
    quoted = re.search(r"\s+(?:to|as|into)\s+(?:say\s+|read\s+)?(?=[\"'])", rest)
    if quoted:
        return rest[: quoted.start()], rest[quoted.end() :]
    match = re.search(r"\s+(?:to|as|into)\s+(?:say\s+|read\s+)?|\s*:\s*", rest)
    if match is None or match.start() == 0:
        return None
    return rest[: match.start()], rest[match.end() :]
