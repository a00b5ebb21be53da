"""Readers of short clauses: chat (greetings, thanks, help, cancel), "show more", a list asked
for by its name alone, and a clause that only names a task."""

from chat.agent.offline.lexicon import STOP_WORDS
from chat.agent.offline.reading import MORE, Clause, Reading, pattern
from chat.agent.offline.requests import Request
from chat.agent.offline.targets import read_status, read_target
from chat.agent.offline.tiers import Tier

GREETING = pattern(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)|morning|evening"
    r"|how\s+are\s+you|how's\s+it\s+going|what's\s+up|sup)\b"
)

THANKS = pattern(r"\b(?:thanks|thank\s+you|cheers|much\s+appreciated|you're\s+a\s+(?:star|lifesaver|legend))\b")

HELP = pattern(
    r"^(?:help|what\s+can\s+you\s+do|what\s+do\s+you\s+do|how\s+does\s+this\s+work|how\s+do\s+i\s+use|commands"
    r"|who\s+are\s+you|what\s+are\s+you|what\s+can\s+i\s+(?:say|ask)|what\s+are\s+your\s+(?:features|commands))\b"
)

CANCEL = pattern(r"^(?:never\s*mind|nvm|cancel|forget\s+it|neither|none(?:\s+of\s+them)?|no|nope|nothing|stop)$")


def read_chat(clause: Clause, after_add: bool) -> Reading | None:
    lowered = clause.text.lower()
    if HELP.match(lowered):
        return Tier.HELP, Request("chat", topic="help")
    if CANCEL.match(lowered):
        return Tier.CANCEL, Request("chat", topic="cancel")
    if THANKS.search(lowered):
        return Tier.CHAT, Request("chat", topic="thanks")
    if GREETING.match(lowered):
        return Tier.CHAT, Request("chat", topic="greeting")
    return None


def read_more(clause: Clause, after_add: bool) -> Reading | None:
    """ "show more", "next page", "the rest": the next page of the list last shown."""
    if MORE.match(clause.text.lower()):
        return Tier.MORE, Request("show_more")
    return None


LIST_ALONE = pattern(
    r"^(?:(?:all|my|the|our)\s+)*(?:(?:pending|open|remaining|outstanding|completed|finished|done|current)\s+)?"
    r"(?:tasks?|todos?|to-?dos?|to\s+dos?|(?:todo|to-do|to\s+do|task)\s+list|list|agenda)(?:\s+please)?$"
    r"|^(?:pending|completed|remaining|outstanding|open|left|done)(?:\s+(?:ones|tasks|items))?$"
)


def read_list_alone(clause: Clause, after_add: bool) -> Reading | None:
    """ "tasks", "my todo list", "pending": a list asked for by its name alone."""
    if LIST_ALONE.match(clause.text.lower()):
        return Tier.LIST_BY_NAME, Request("show", status=read_status(list(clause.tokens)))
    return None


def read_target_only(clause: Clause, after_add: bool) -> Reading | None:
    """A clause that only names a task: "3", "the bill one", "the last one I added"."""
    target = read_target(clause.text)
    if clause.prefix.named and not target.named:
        target = clause.prefix
    if not target.named:
        return None
    extra = [token for token in clause.tokens if token not in STOP_WORDS and token not in target.words]
    if clause.question and target.numbers and not extra:
        return Tier.NUMBER_ALONE, Request("ask_task", target=target)  # "2?"
    tier = Tier.TARGET if not extra or target.numbers or target.ordinal or target.last_added else Tier.VAGUE_TARGET
    return tier, Request("target", target=target, title=clause.text)
