"""Readers of things said rather than commanded: implicit adds ("need to X", "call the vet
tomorrow") and stories ("finally fixed the sink", "missed yoga")."""

import re

from chat.agent.offline.adds import ADD_MARKER, LIST_HEADER, read_add
from chat.agent.offline.lexicon import IRREGULAR_PAST, NEGATIONS, POSTPONE_WORDS, TASK_VERBS, UNFINISHED_PAST
from chat.agent.offline.reading import TASK_VERB_SET, Clause, Reading, pattern
from chat.agent.offline.requests import Request
from chat.agent.offline.targets import read_target
from chat.agent.offline.text import words
from chat.agent.offline.tiers import Tier

INNER_MARKER = pattern(
    r"\b(?:i|we)\s+(?:still\s+|also\s+|really\s+|just\s+)*(?:need|have|got|ought)\s+to\s+(?!(?:see|know|check\s+my)\b)"
    r"|\b(?:i|we)\s+(?:still\s+|also\s+|really\s+)*(?:must|should|gotta)\s+(?!(?:be|have\s+been)\b)"
)

HAVE_DUE = pattern(
    r"^(?:i|we)\s+(?:have|'ve\s+got|got)\s+(?P<task>(?:a|an|my|the|this|some|two|three)\s+.+?\bdue\b.*)$"
)

UNFINISHED_PHRASE = pattern(
    r"\bbefore\s+(?:i|we)\s+could\b|\bslipped\s+my\s+mind\b|\b(?:was|were)\s+going\s+to\b|\b(?:meant|planned|wanted"
    r"|hoped|tried)\s+to\b|\b(?:gave|give|giving)\s+up\b|\bno\s+luck\b|\bran\s+out\s+of\b|\bput\s+(?:it\s+|that\s+)?off\b"
    r"|\b(?:was|were)\s+(?:closed|shut|down|full|busy|cancell?ed)\b|\b(?:closed|shut|shutting)\s+(?:for|until|till|early)\b|\bnot\s+(?:yet|today)\b|\bnext\s+(?:week|time)\b"
    r"|\bwent\s+to\s+\w+\s+but\b|\bout\s+of\s+stock\b|\bsold\s+out\b|\b(?:was|were)\s+out\s+of\b|\bi'?ll\s+try\b"
    r"|\b(?:is\s+|was\s+|got\s+)?(?:move|moved|push|pushed|postpone|postponed|reschedule|rescheduled)\s+(?:to|until|till)\b"
    r"|\bby\s+mistake\b|\bstill\s+(?:in|at|on|waiting|looking|trying|working)\b|\bnobody\s+(?:can|could|was|answered)\b"
    r"|\bno\s+(?:luck|answer|reply|one\s+answered)\b|\bwrong\s+(?:size|one|colou?r|item|model)\b|\bsending\s+it\s+back\b"
    r"|\b(?:broken|damaged|faulty|blocked|stuck)\b|\bwaiting\s+(?:on|for)\b|\bcancel+e?d\b|\bcancld\b|\bout\s+of\s+sto\w*"
    r"|\bon\s+hold\b|\bneeds?\s+(?:a\s+|an\s+)?(?:new|another|more)\b"
)

REMIND_AT = pattern(
    r"^(?:please\s+)?remind\s+me\s+(?P<when>(?:at|on|by|in|tomorrow|tonight|today|this|next|every)\b.*?)\s+"
    r"(?:to|about)\s+(?P<what>.+)$"
)

WENT_TO_DO = pattern(r"\bwent\s+to\s+(?:" + "|".join(sorted(TASK_VERBS)) + r")\b")


def read_add_markers(clause: Clause, after_add: bool) -> Reading | None:
    """Implicit adds: "need to X", "gotta X", "todo: X", "+ X", "also X" after an add."""
    text = clause.text
    if match := REMIND_AT.match(text):  # "remind me at 6pm to leave": the task, with its time
        return Tier.REMIND_AT, read_add(f"{match['what']} {match['when']}")
    if match := ADD_MARKER.match(text):
        rest = text[match.end() :]
        if again := ADD_MARKER.match(rest):  # "I need to remember to X"
            rest = rest[again.end() :]
        header = text[: match.end()].rstrip(" :")
        if ":" in text[: match.end()] and LIST_HEADER.match(header.lower()) and len(words(header)) <= 5:
            return Tier.MARKED_ADD, read_add(f"these: {rest}")
        return Tier.MARKED_ADD, read_add(rest)
    if clause.question:
        return None
    if match := INNER_MARKER.search(text):  # "kids have a trip thursday and I still need to sign the slip"
        return Tier.INNER_ADD, read_add(text[match.end() :])
    if match := HAVE_DUE.match(text):  # "I have a lab report due monday"
        return Tier.INNER_ADD, read_add(match["task"])
    told = any(is_past(token) for token in clause.tokens) or bool(set(clause.tokens) & NEGATIONS)
    if after_add and not told and (clause.continued or re.search(r"\b(?:too|as\s+well)$", text, re.IGNORECASE)):
        return Tier.ALSO_ADD, read_add(text)  # "also X", "Vet checkup for Biscuit next week too."
    lead, colon, items = text.partition(":")
    storied = any(is_past(token) for token in clause.tokens) or set(clause.tokens) & NEGATIONS
    many = len(re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", items.strip())) >= 3
    if colon and many and not storied and len(words(lead)) <= 8:
        return Tier.COLON_LIST, read_add(f"these: {items}")  # "we're moving on the 28th, so: book movers, ..."
    return None


def read_task_verb(clause: Clause, after_add: bool) -> Reading | None:
    """ "call the vet tomorrow morning": a clause opening with a task's verb is a task to add."""
    if clause.question or clause.tokens[0] not in TASK_VERB_SET or len(clause.tokens) < 2:
        return None
    return (Tier.CONTINUED_TASK if clause.continued else Tier.TASK_VERB), read_add(clause.text)


def read_story(clause: Clause, after_add: bool) -> Reading | None:
    """ "finally fixed that sink", "the car's washed": something happened to a task. Said with
    "missed", "tried", "haven't", "postponed"... it names a task that is not done."""
    tokens = clause.tokens
    if clause.question or tokens[0] in {"if", "when", "unless", "hope", "hopefully", "wish"}:
        return None
    lowered = clause.text.lower()
    past = [token for token in tokens if is_past(token)]
    if re.search(r"\b(?:was|were|happened)\s+(?:today|yesterday|this\s+morning|last\s+night|earlier)\b", lowered):
        past = past or ["was"]  # "cake tasting was today"
    if not past and re.search(r"\b(?:yesterday|last\s+night|this\s+morning|earlier\s+today)\b", lowered):
        past = [token for token in tokens if token in TASK_VERB_SET]
    unfinished = [token for token in tokens if token in UNFINISHED_PAST or token in POSTPONE_WORDS]
    negated = bool(set(tokens) & NEGATIONS) or bool(WENT_TO_DO.search(lowered) or UNFINISHED_PHRASE.search(lowered))
    done_word = bool(set(tokens) & {"done", "finished", "completed", "sorted", "finally"})
    if not (past or unfinished or done_word or negated):
        return None
    target = read_target(_story_words(lowered))
    doing = [
        token for token in past if token not in {"showed", "shown", "listed", "said", "told", "mentioned", "added"}
    ]
    if (target.numbers or target.ordinals or target.ordinal) and (doing or done_word) and not (unfinished or negated):
        return Tier.STORY, Request("complete", target=target)  # "I finished task 3", "got the first two"
    if not target.words:
        return None
    if unfinished or negated or re.search(r"\b(?:called|put)\s+off\b|\bhad\s+to\s+(?:push|move|cancel)", lowered):
        called_off = bool(re.search(r"\b(?:cancel+ed|called\s+off|scrapped|dropped)\b", lowered))
        return Tier.NOT_DONE_STORY, Request("not_done", target=target, topic="called_off" if called_off else "")
    return Tier.STORY, Request("story", target=target)


def is_past(token: str) -> bool:
    if token in IRREGULAR_PAST and token not in {"read", "put", "set", "shut", "left", "done"}:
        return True
    if token.endswith("d") and token[:-1] in TASK_VERB_SET:  # "bookd", "calld"
        return True
    return len(token) > 4 and token.endswith("ed") and token not in {"need", "feed", "seed", "speed", "bed", "red"}


def _story_words(lowered: str) -> str:
    """The story without the words that only say it happened."""
    return re.sub(
        r"\b(?:finally|just|already|all|yay|woo+|phew|last\s+night|this\s+morning|today|yesterday|took\s+me.*$"
        r"|looks?\b.*$|she\b.*$|he\b.*$|they\b.*$|it\s+was\b.*$|and\s+it\b.*$|straight\b.*$)",
        " ",
        lowered,
    )
