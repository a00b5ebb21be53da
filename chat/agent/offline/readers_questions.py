"""The reader of questions: about the list (how many, what's left) or one task (is it done,
what number is it, what does its note say)."""

import re

from chat.agent.offline.lexicon import LIST_NOUNS, NOTE_FIELDS, QUESTION_OPENERS, REQUEST_OPENERS
from chat.agent.offline.readers_chat import HELP
from chat.agent.offline.readers_stories import is_past
from chat.agent.offline.reading import Clause, Reading, pattern
from chat.agent.offline.requests import Request
from chat.agent.offline.targets import read_status, read_target
from chat.agent.offline.tiers import Tier

HAVE_ON_LIST = pattern(
    r"^(?:do|did)\s+(?:i|we)\s+(?:still\s+)?(?:have|got)\s+(?P<what>(?!any\b|anything\b).+?)\s+(?:on|in)\s+(?:my|the)\s+"
    r"(?:\w+\s+)?list$|^(?:is|are)\s+(?P<what2>.+?)\s+still\s+(?:on|in)\s+(?:(?:my|the)\s+(?:\w+\s+)?list|there)$"
)

DID_I_FINISH = pattern(r"^did\s+(?:i|we)\s+(?:already\s+)?(?:finish|complete|do|tick\s+off|check\s+off)\s+(.+)$")

NUMBER_QUESTION = pattern(
    r"\b(?:what|which)(?:'s|\s+is)?\s+(?:the\s+)?(?:number|no|#|id)\b|\bwhich\s+(?:task|one)\s+(?:number\s+)?is\b"
    r"|\bwhat\s+number\b"
)

TASK_QUESTION = pattern(
    r"\b(?:look\s+like|say|says|about|details\s+of)\b|^what(?:'s|\s+is|\s+was)\s+(?:on\s+)?(?:task|#|number)"
)

STATUS_QUESTION = pattern(
    r"\b(?:done|complete|completed|finished|open|pending|still\s+(?:open|pending|to\s+do|there)|outstanding|left"
    r"|ticked|checked)\b"
)


def read_question(clause: Clause, after_add: bool) -> Reading | None:
    tokens = clause.tokens
    if not (clause.question or tokens[0] in QUESTION_OPENERS or tokens[:2] in {("so", "what"), ("and", "what")}):
        return None
    if (
        not clause.question
        and tokens[0] in {"did", "do", "does", "have", "has", "was", "were"}
        and (
            len(tokens) < 2
            or tokens[1] not in {"i", "you", "we", "they", "it", "he", "she", "my", "the", "that", "this"}
        )
    ):
        return None  # "did #3 on the bus": a story, not a question
    if tokens[0] in REQUEST_OPENERS or (tokens[0] in {"do", "would"} and "you" in tokens[1:3]):
        return None  # "can you add ...": a request
    text = clause.text
    lowered = text.lower()
    if HELP.match(lowered):
        return Tier.HELP_QUESTION, Request("chat", topic="help")
    if match := HAVE_ON_LIST.match(lowered):  # "do I still have scantrons on my list?", "is X still on my list?"
        asked = read_target(match["what"] or match["what2"] or "")
        if asked.words or asked.numbers:
            return Tier.QUESTION, Request("ask_task", target=asked)
    if re.search(r"\bhow\s+(?:many|much)\b|\b(?:count|total|tally)\b|\bnumber\s+of\b", lowered):
        return Tier.QUESTION, Request("count", status=read_status(list(tokens)))
    if NUMBER_QUESTION.search(lowered):
        if (asked := read_target(_question_subject(lowered))).numbers:
            return Tier.STATUS_QUESTION, Request("ask_task", target=asked)  # "which task is number three?"
        subject = re.sub(
            r".*?\b(?:number|no|#|id)\b(?:\s+(?:is|of|for))?|.*?\bwhich\s+(?:task|one)\s+(?:number\s+)?is\b",
            "",
            lowered,
            count=1,
        )
        return Tier.QUESTION, Request("ask_number", target=read_target(subject))
    if match := DID_I_FINISH.match(lowered):
        asked = read_target(match.group(1))
        if asked.named:
            return Tier.QUESTION, Request("ask_status", target=asked, status="completed")
    # "is the gate fixed?": a past form at the end asks whether it is done.
    finished = tokens[0] in {"is", "are", "was", "were", "has", "have"} and is_past(tokens[-1])
    target = read_target(_question_subject(" ".join(tokens[:-1]) if finished else lowered))
    specific = target.named and not target.everything
    if set(tokens) & NOTE_FIELDS and target.named and not re.search(r"\blook\s+like\b", lowered):
        return Tier.QUESTION, Request("ask_note", target=target)
    if (
        specific
        and (finished or STATUS_QUESTION.search(lowered))
        and re.search(r"\b(?:is|are|was|were|has|have|did|'s)\b|^(?:what\s+about|and)\b", lowered)
    ):
        return Tier.STATUS_QUESTION, Request(
            "ask_status", target=target, status=read_status(list(tokens), default="completed")
        )
    if specific and (target.numbers or target.ordinal or target.last_added or TASK_QUESTION.search(lowered)):
        return Tier.TASK_QUESTION, Request("ask_task", target=target)
    if _asks_for_list(tokens, lowered, named=bool(target.words)):
        return Tier.LIST_QUESTION, Request("show", status=read_status(list(tokens)))
    if specific and re.match(r"^(?:what|which)(?:'s|\s+is|\s+was)\b", lowered):
        return Tier.WHAT_IS, Request("ask_task", target=target)  # "what's the dentist one?", "what's on the X task?"
    return Tier.ANY_QUESTION, Request("chat", topic="question")


def _question_subject(lowered: str) -> str:
    """The part of a question that names the task: "is the plumber one done" -> "the plumber one"."""
    subject = re.sub(
        r"\b(?:what|what's|whats|which|how|is|are|was|were|does|did|do|has|have|about|look|like|say|says|tell|me"
        r"|still|done|completed?|finished|open|pending|left|outstanding|yet|now|there|the\s+(?:notes?|details"
        r"|description)|notes?|details|description|on|of|for|with|its|it's|status|again|anything|ticked|checked"
        r"|off|already|i|my|so|far|currently|right|at\s+the\s+moment|see|view|show|might|may|can|could|get|got|know"
        r"|remains?|remaining|any|all|and|in|total|count|by|the\s+way)\b",
        " ",
        lowered,
    )
    return subject


def _asks_for_list(tokens: tuple[str, ...], lowered: str, *, named: bool = False) -> bool:
    """A question about the list as a whole; `named`: it also names a task by its words."""
    if (set(tokens) & LIST_NOUNS and not named) or re.search(
        r"\b(?:left|remaining|remains?|pending|open|outstanding|to\s+do|on\s+my|on\s+there|so\s+far|next"
        r"|should\s+i\s+do|do\s+i\s+have|have\s+i\s+got)\b",
        lowered,
    ):
        return True
    return bool(re.search(r"\b(?:what|anything)\b.*\b(?:did|have|has)\s+i\b|\bwhat\s+(?:did|have)\s+i\b", lowered))
