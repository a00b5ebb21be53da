"""Reading what to add: one title or several ("these: A, B and C", "'X' and 'Y'", "milk and eggs"),
with an optional note, and the marks that say a clause is something to add ("need to X", "todo: X")."""

import re
from dataclasses import replace

from chat.agent.offline.lexicon import STOP_WORDS
from chat.agent.offline.plans import REMINDER_TAIL, split_plan
from chat.agent.offline.reading import QUOTED, TASK_VERB_SET, pattern, unquote
from chat.agent.offline.requests import Plan, Request
from chat.agent.offline.text import capitalise, words

# Implicit adds: "need to X", "gotta X", "don't let me forget to X", "todo: X", "+ X".
ADD_MARKER = pattern(
    r"^(?:i\s+)?(?:really\s+|also\s+|still\s+)?(?:need|have|got|ought)\s+to\s*:?\s+(?!(?:see|know|check\s+my|view)\b)"
    r"|^(?:\w+\s+)?(?:shopping|grocery|groceries|to-?do|todo|packing)\s+list\s*:\s*|^(?:shopping|groceries)\s*:\s*"
    r"|^i'?ve\s+got\s+to\s+|^gotta\s+|^(?:i\s+)?(?:must|should)\s+(?!(?:i|you|we|be|have\s+been)\b)"
    r"|^(?:do\s+not|don't|dont)\s+(?:let\s+me\s+)?forget\s+(?:to\s+|about\s+)?"
    r"|^(?:please\s+)?remind\s+me\s+(?:to\s+|about\s+)|^remember\b\s*(?:to\s+)?:?\s*|^note\s+to\s+self\s*:?\s*|^(?:mental\s+)?note\s*:\s*|^mental\s+note\s*(?:to\s+self\s*)?:?\s*"
    r"|^(?:to-?do|to\s+do|reminder|new\s+task|task|new\s+todo|add)\s*:\s*|^\+\s*|^one\s+more\b\s*:?\s*"
    r"|^(?:and\s+|also\s+)?(?:these|this|(?:\w+\s+)?more)(?:\s+\w+){0,3}\s*:\s*"
)

ADD_PREAMBLE = pattern(
    r"^(?:(?:a|an|another|one\s+more|the|some|this)\s+)?(?:new\s+)?(?:(?:task|todo|to-do|item|reminder|entry|note)s?\b"
    r"\s*(?:for\s+me\s*)?)?(?:(?:to|on|in|onto)\s+(?:my|the)\s+(?:(?:todo|to-do|task|shopping)\s+)?list\b\s*)?"
    r"(?:(?:called|named|titled|saying|that\s+says|to|for|about)\b|:|-)?\s*"
)

LIST_HEADER = pattern(
    r"^.*\b(?:following|these|those|list)\b.*$|^(?:(?:these|this|those|the\s+following|following|(?:\w+\s+)?(?:more\s+)?(?:things|items|tasks|todos)"
    r"|\w+(?:\s+more)?|(?:\w+\s+)?more)(?:\s+(?:too|as\s+well|also|to\s+my\s+list|on\s+my\s+list|for\s+me))*)$"
)

DESCRIPTION = pattern(
    r"^(?P<title>.+?)\s*,?\s*(?:\bwith\s+(?:a\s+|the\s+|some\s+)?(?:notes?|description|details|comment)"
    r"(?:\s+of|\s+saying|\s+that\s+says)?\s*:?|[-(]\s*(?:notes?|description|details)\s*:|\b(?:note|notes"
    r"|description|details)\s*:)\s*(?P<description>.+?)\)?$"
)

TITLE_TRAILER = pattern(
    r"(?:\s+(?:to|on|onto|in)\s+(?:my|the)\s+(?:(?:todo|to-do|task|shopping)\s+)?list|\s+on\s+there|\s+for\s+me|\s+too"
    r"|\s+as\s+well|\s+also|\s+please|\s+thanks|\s+thank\s+you|\s+instead|\s+now)$"
)


def read_add(text: str) -> Request:
    """An add: one title or several ("these: A, B and C", "'X' and 'Y'", "milk and eggs"),
    with an optional note ("... with the note 'Y'"), each with the due date, priority and repeat
    said with it ("call the vet tomorrow": "Call the vet", due tomorrow). A reminder asked for
    ("and remind me the day before") is said of them all."""
    text = text.strip()
    reminder = Plan()
    if match := REMINDER_TAIL.search(text):
        _, reminder = split_plan(text[match.start() :])
        text = text[: match.start()]
    request = _read_add(text)
    if reminder.empty:
        return request
    plans = request.plans or tuple(Plan() for _ in request.titles)
    return replace(request, plans=tuple(plan.merged(reminder) for plan in plans))


def _read_add(text: str) -> Request:
    header, colon, items = text.partition(":")
    if colon and items.strip() and len(words(header)) <= 6 and "'" not in header and '"' not in header:
        if LIST_HEADER.match(ADD_PREAMBLE.sub("", header.strip(), count=1).lower() or "these") or not header.strip():
            return _add_request(_split_items(items, listed=bool(header.strip())))
        if not words(ADD_PREAMBLE.sub("", header.strip(), count=1)):
            return _add_request(_split_items(items, listed=False))
    text = ADD_PREAMBLE.sub("", text, count=1)
    text = re.sub(r"^that\s+", "", text, flags=re.IGNORECASE)
    if marker := ADD_MARKER.match(text):  # "jot down that I must phone the surgery"
        text = text[marker.end() :]
    text = re.sub(r"^(?:i|we)\s+(?:must|should|have\s+to|need\s+to|gotta)\s+", "", text, flags=re.IGNORECASE)
    if (match := DESCRIPTION.match(text)) and match["title"].strip():
        titles = _split_items(match["title"], listed=False)
        if len(titles) == 1:
            return replace(_add_request(titles), description=unquote(match["description"]))
    return _add_request(_split_items(text, listed=False))


def _add_request(items: list[str]) -> Request:
    """The titles without their planning words; an item that is only planning words ("add: X,
    high priority, by wednesday") plans the title before it."""
    titles: list[str] = []
    plans: list[Plan] = []
    for item in items:
        title, plan = split_plan(item)
        title = capitalise(unquote(title))
        if not words(title) and titles:
            plans[-1] = plans[-1].merged(plan)
        elif title:
            titles.append(title)
            plans.append(plan)
    if all(plan.empty for plan in plans):
        return Request("add", titles=tuple(titles))
    return Request("add", titles=tuple(titles), plans=tuple(plans))


def _split_items(text: str, *, listed: bool) -> list[str]:
    quoted = QUOTED.findall(text)
    outside = QUOTED.sub(" ", text)
    # Quoted titles keep their quotes until their planning words are found (none inside quotes).
    if len(quoted) >= 2 and not set(words(outside)) - STOP_WORDS - {"add", "plus", "list", "there"}:
        return [item.strip() for item in quoted]
    if len(quoted) == 1 and not words(outside):
        return [quoted[0].strip()]
    hidden: list[str] = []

    def hide(match: re.Match[str]) -> str:
        hidden.append(match.group(0))
        return f"\x00{len(hidden) - 1}\x00"

    protected = QUOTED.sub(hide, text)
    if len(numbered := [part for part in NUMBERED_ITEM.split(protected) if part.strip()]) > 1:
        listed, protected = True, " ; ".join(numbered)  # "1) finalize the roadmap 2) review the PR"
    parts = [
        ADD_PART_OPENING.sub("", part)
        for part in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*;\s*", protected)
        if part.strip()
    ]
    if not listed and len(parts) > 1 and not _separate_tasks(parts):
        parts = [protected]
    restored = [re.sub(r"\x00(\d+)\x00", lambda match: hidden[int(match.group(1))], part) for part in parts]
    return [title for title in (_clean_title(part) for part in restored) if title]


NUMBERED_ITEM = pattern(r"(?:^|\s+)\(?\d{1,2}[).]\s+")


# "..., and I really must telephone the bank": the opening of a further item
ADD_PART_OPENING = pattern(
    r"^(?:i\s+)?(?:also\s+|really\s+|still\s+)*(?:must|need\s+to|have\s+to|should|gotta|got\s+to)\s+"
)


def _separate_tasks(parts: list[str]) -> bool:
    """Whether "A, B and C" are several tasks: each opens with a task verb ("call mom, pick up
    dry cleaning and book a dentist"), or all are short noun phrases ("milk and eggs"); "wash
    sheets and towels" is one task."""
    heads = [words(part)[:1] for part in parts]
    verbs = [bool(head) and is_task_verb(head[0]) for head in heads]
    if len(parts) >= 3:
        return True  # "buy the lamb shoulder, shallots and a good bottle of port"
    if len(parts) == 2 and verbs[0] and len(words(parts[0])) < 2:
        return False  # "call and book it": one task
    if all(verbs[1:]) or (verbs[0] and len(parts) >= 3 and all(len(words(part)) >= 2 for part in parts)):
        return True
    return not any(verbs) and all(len(words(part)) <= 3 for part in parts)


def is_task_verb(word: str) -> bool:
    """A task's verb, also with "re-" ("repaint", "rebook")."""
    return word in TASK_VERB_SET or (word.startswith("re") and word[2:] in TASK_VERB_SET)


def _clean_title(text: str) -> str:
    text = unquote(text.strip())
    while True:
        stripped = TITLE_TRAILER.sub("", text).strip(" ,.;:!?-")
        if stripped == text:
            break
        text = stripped
    return capitalise(unquote(text))
