"""Stage 2, understand: a message becomes requests.

The message is cut into clauses (`clauses`, `politeness`); every clause is read by each reader
(`readers_*`), each giving the tier (`tiers`) at which the clause fits its intent, and the
reading of the highest tier wins. A clause that only names a task ("the last one I added - mark
it done") lends its target to the clause after it (`binding`). Nothing here knows the user's
tasks: that is `resolve`.
"""

from dataclasses import replace
from functools import lru_cache

from chat.agent.offline.binding import bind_targets
from chat.agent.offline.clauses import clauses_of
from chat.agent.offline.intents import READERS as INTENT_READERS
from chat.agent.offline.intents import Reader
from chat.agent.offline.lists import BulletList, bulleted_list
from chat.agent.offline.readers_chat import GREETING, THANKS
from chat.agent.offline.readers_commands import read_command
from chat.agent.offline.readers_edits import read_done_phrases, read_edit_phrases
from chat.agent.offline.readers_questions import read_question
from chat.agent.offline.readers_scope import read_refusals
from chat.agent.offline.readers_stories import read_add_markers, read_story, read_task_verb
from chat.agent.offline.reading import Clause, pattern
from chat.agent.offline.requests import Request, Target
from chat.agent.offline.text import normalise

INJECTION = pattern(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|your\s+|the\s+|my\s+)*(?:previous\s+|prior\s+|above\s+"
    r"|earlier\s+|system\s+)*(?:instructions?|rules|prompts?|directives|guidelines|programming)\b"
    r"|\bsystem\s+(?:override|prompt|message)\b|\b(?:admin|developer|god|debug|root)\s+mode\b|\bjailbreak"
    r"|\b(?:every|all|other)\s+users?'?s?\b|\bhidden\s+(?:prompt|instructions?)\b|\byou\s+are\s+now\b"
    r"|\bprint\s+your\s+(?:\w+\s+)?(?:prompt|instructions)\b|\breveal\s+your\b|\buser\s*(?:id\s*)?#?\d+\b"
    r"|\b(?:other\s+(?:people|accounts)|everyone'?s|someone\s+else'?s|anybody'?s)\b|\bpretend\s+(?:you|to)\b"
    r"|\bact\s+as\s+(?:an?\s+)?(?:admin|root|system|developer)\b|\bsudo\b"
)


def understand(message: str, *, after_add: bool = False) -> list[Request]:
    """The requests in `message`, in the order they were said. `after_add`: the previous turn
    added tasks, so "also X" or "and X" adds another."""
    return list(_understand(message, after_add))


@lru_cache(maxsize=1024)
def _understand(message: str, after_add: bool) -> tuple[Request, ...]:
    """Cached: every model call of a turn rereads the same message."""
    return tuple(_requests(message, after_add=after_add))


def _requests(message: str, *, after_add: bool) -> list[Request]:
    if listed := bulleted_list(message):
        return _list_requests(listed, after_add=after_add)
    text = normalise(message)
    if not any(character.isalnum() for character in text):
        return [Request("chat", topic="unclear")]
    if INJECTION.search(text):
        return [Request("refuse")]
    requests: list[Request] = []
    for clause in clauses_of(text):
        adding = after_add or any(request.kind == "add" for request in requests)
        request = _read(clause, after_add=adding)
        if request is not None:
            requests.append(request)
    requests = bind_targets(requests)
    actions = [request for request in requests if request.kind not in {"chat", "target"}]
    if actions:
        # A leading clause that only names a task may answer last turn's "which one?" ("Dana's.
        # Also 4 is done."); `answer_question` drops it when nothing was asked.
        return requests[:1] + actions if requests[0].kind == "target" else actions
    # Alone, a clause that only names a task may answer "which one?"; among other clauses it
    # is noise ("I hope you're having a lovely day").
    targets = [request for request in requests if request.kind == "target"]
    chat = [request for request in requests if request.kind == "chat"]
    if not chat and not any(_names_one(request.target) for request in targets):
        lowered = text.lower()
        if GREETING.match(lowered):
            chat = [Request("chat", topic="greeting")]
        elif THANKS.search(lowered):
            chat = [Request("chat", topic="thanks")]
    if len(targets) == 1 and not chat:
        return targets
    return chat[:1] or [Request("chat", topic="unclear")]


def _names_one(target: Target) -> bool:
    """Whether a target names particular tasks ("task 3", "the milk one"), not only "all"."""
    return bool(target.numbers or target.words or target.ordinal or target.ordinals or target.pronoun)


def _list_requests(listed: BulletList, *, after_add: bool) -> list[Request]:
    """The actions said before the list, then one task added per bullet. What comes before is
    read for commands only: it introduces the list ("Isla says I can do it like this:")."""
    requests = _requests(listed.before, after_add=after_add) if listed.before.strip() else []
    actions = [request for request in requests if request.kind not in {"chat", "target", "add", "story"}]
    for item in listed.items:
        actions.extend(request for request in _requests(f"add {item}", after_add=True) if request.kind == "add")
    return actions


def _read(clause: Clause, *, after_add: bool) -> Request | None:
    readings = [reading for reader in READERS if (reading := reader(clause, after_add)) is not None]
    if not readings:
        return None
    _, request = max(readings, key=lambda reading: reading[0])
    if clause.prefix.named and (not request.target.named or request.target.pronoun):
        request = replace(request, target=clause.prefix)
    return request


# The readers of families of phrasings, each yielding several kinds; then each intent's own
# reader (`intents.READERS`). Of readings of equal tier, the one read first wins.
FAMILY_READERS: tuple[Reader, ...] = (
    read_refusals,
    read_question,
    read_command,
    read_edit_phrases,
    read_done_phrases,
    read_add_markers,
    read_task_verb,
    read_story,
)
READERS = FAMILY_READERS + INTENT_READERS
