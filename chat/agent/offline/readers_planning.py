"""Readers of planning: a task's due date, time, priority or repeat changed ("push it to friday",
"postpone the ski return a week", "make the loft one urgent", "no due date for the venue"),
questions by date or priority that change nothing ("what's due today?", "anything overdue?",
"show high priority only", "sort by due date"), and adds said with a priority or a reminder
("urgent: chase the broker", "add 'X' tonight and text me when it's time")."""

import re
from dataclasses import replace

from chat.agent.offline.adds import read_add
from chat.agent.offline.lexicon import CONTACT_VERBS
from chat.agent.offline.plans import (
    _PRIORITY_ALTERNATIVES,
    COUNT,
    DUE_SPAN,
    LEADING_PRIORITY,
    REMINDER_TAIL,
    REPEAT,
    TIME_SAID,
    TRAILING_PRIORITY,
    due_words,
    priority_of,
    split_plan,
)
from chat.agent.offline.reading import TASK_VERB_SET, Clause, Reading, pattern
from chat.agent.offline.requests import Agenda, Plan, Request
from chat.agent.offline.targets import read_target
from chat.agent.offline.text import number_value
from chat.agent.offline.tiers import Tier
from todos.models import DueWindow, TaskStatus

OPENING = r"^(?:(?:ok|okay|actually|and|also|please|so|oh|now|then)\s*,?\s+)*"
CHANGE_VERB = r"(?:move|push|shift|reschedule|change|bump|put\s+off|postpone|delay|set|make)"
MOVE = pattern(
    rf"{OPENING}{CHANGE_VERB}\s+(?P<target>.+?)\s+(?:back\s+|forward\s+|out\s+)?(?:to|till|until|for|on)\s+"
    r"(?P<when>.+?)(?P<same>\s*,?\s*(?:at\s+)?(?:the\s+)?same\s+time)?[.!]*$"
)
WHEN_DUE = pattern(rf"^(?:{DUE_SPAN})$")
WHEN_REPEAT = pattern(rf"^\s*(?:{REPEAT.pattern})\s*$")
SHIFT = pattern(
    rf"{OPENING}(?:push|move|postpone|delay|put\s+off|bump|shift|defer)\s+(?P<target>.+?)\s+(?:back\s+|on\s+|out\s+)?"
    rf"(?:by\s+)?(?P<count>{COUNT})\s+(?P<unit>days?|weeks?)(?:\s+(?:back|later|on|out))?[.!]*$"
)
CLEAR_DUE = pattern(
    rf"{OPENING}(?:no|without\s+a|without)\s+(?:due\s+)?(?:date|deadline)\s+(?:for|on)\s+(?P<target>.+?)[.!]*$"
    rf"|{OPENING}(?:remove|clear|drop|take\s+off|delete|unset)\s+(?:the\s+)?(?:due\s+)?(?:date|deadline)\s+"
    r"(?:from|on|of|for)\s+(?P<target_clear>.+?)[.!]*$"
)
SET_PRIORITY = pattern(
    rf"{OPENING}(?:make|set|mark|bump|put|flag|change|move|raise|lower|drop|switch)\s+(?P<target>.+?)\s+"
    rf"(?:up\s+|down\s+)?(?:to\s+|as\s+|at\s+|into\s+)?(?:a\s+)?(?P<priority>{_PRIORITY_ALTERNATIVES})"
    r"(?:\s+priority)?(?:\s+(?:now|please|instead|one|task))*[.!]*$"
)
CLEAR_PRIORITY = pattern(
    rf"{OPENING}(?:remove|clear|drop|take\s+off|reset|unset)\s+(?:the\s+)?priority\s+(?:from|on|of|off|for)\s+"
    r"(?P<target>.+?)[.!]*$"
)
STOP_REPEAT = pattern(
    r"^(?P<target>.+?)\s+(?:doesn'?t|don'?t|does\s+not|do\s+not|shouldn'?t|should\s+not|no\s+longer|won'?t)\s+"
    r"(?:need\s+to\s+|have\s+to\s+)?repeat\b"
    rf"|{OPENING}stop\s+(?P<target_stop>.+?)\s+(?:from\s+)?repeating\b|{OPENING}stop\s+repeating\s+(?P<target_end>.+?)$"
)
AGENDA_OPENING = pattern(
    r"^(?:what'?s|what\s+is|whats|what|anything|any|show(?:\s+me)?|list|which|do\s+i\s+have|have\s+i\s+got"
    r"|is\s+there\s+anything|are\s+there\s+any|how\s+many|sort|order|give\s+me)\b"
)
WINDOWS: dict[str, DueWindow] = {
    "today": "today", "tonight": "today", "tomorrow": "tomorrow", "this week": "this_week",
    "next 7 days": "next_7_days", "next seven days": "next_7_days", "overdue": "overdue", "late": "overdue",
    "past due": "overdue",
}  # fmt: skip
DUE_WINDOW = pattern(
    r"\b(?:due|on|scheduled|planned|happening|for)\s+(?:for\s+)?(?P<when>today|tonight|tomorrow|this\s+week"
    r"|(?:the\s+)?next\s+(?:7|seven)\s+days)\b|\b(?P<late>overdue|past\s+due)\b"
)
HIGH = pattern(r"\b(?:high|top)[\s-]*(?:priority|prio)\b|\bmost\s+(?:urgent|important)\b|\burgent\b|\bimportant\b")
BY_DUE = pattern(r"\b(?:sort|order|sorted|ordered)\b.*\b(?:due|date|deadline)s?\b")
BY_PRIORITY = pattern(r"\b(?:sort|order|sorted|ordered)\b.*\bpriorit")
OPEN = pattern(r"\b(?:still\s+open|open|pending|left|to\s+do|not\s+done|undone|remaining|still\s+to\s+do|got)\b")
# "can you set the lamb to high priority?": a change asked for, not a question about the list.
CHANGE_ASKED = pattern(r"\b(?:set|pin|make|move|change|put|give|flag|bump|mark|raise|add)\b")
ADD_HEAD = pattern(r"^(?:please\s+)?(?:add|put\s+down|create|new\s+task)\b\s*:?\s*")


def read_reschedule(clause: Clause, after_add: bool) -> Reading | None:
    """A task's due date, time, priority or repeat changed; "the flu jab matters more now, bump
    it to high priority": "it" is the task named before the comma. Asked as a question ("can you
    set the lamb to high priority?") it is left to the other readers."""
    if clause.question:
        return None
    reading = _reschedule(clause.text)
    head, comma, tail = clause.text.rpartition(",")
    if reading is None and comma and (reading := _reschedule(tail.strip())) is not None:
        tier, request = reading
        if request.target.pronoun and (named := read_target(head)).words:
            reading = tier, replace(request, target=named)
    return reading


def _reschedule(text: str) -> Reading | None:
    if (match := SHIFT.match(text)) and (count := _count(match["count"])):
        days = count * (7 if match["unit"].startswith("week") else 1)
        return _change(match["target"], Plan(shift_days=days))
    if match := CLEAR_DUE.match(text):
        return _change(match["target"] or match["target_clear"], Plan(due="none"))
    if match := CLEAR_PRIORITY.match(text):
        return _change(match["target"], Plan(priority="none"))
    if match := STOP_REPEAT.match(text):
        return _change(match["target"] or match["target_stop"] or match["target_end"], Plan(repeat="none"))
    if (match := SET_PRIORITY.match(text)) and (priority := priority_of(match["priority"])):
        return _change(match["target"], Plan(priority=priority))
    if match := MOVE.match(text):
        when = match["when"].strip(" ,")
        if WHEN_REPEAT.match(when):
            return _change(match["target"], Plan(due=" ".join(when.lower().split())))
        if WHEN_DUE.match(when):
            return _change(match["target"], Plan(due=due_words(when), keep_time=True))
    return None


def _change(target: str, plan: Plan) -> Reading | None:
    """A change of the task `target` names; "set a priority on X" and "change the priority of
    task 5 to urgent" name none here (read as before, by the other readers)."""
    if re.match(r"(?:a|an)\s", target, re.IGNORECASE) or re.search(r"\bpriorit", target, re.IGNORECASE):
        return None
    return Tier.PLAN, Request("reschedule", target=read_target(target), plan=plan)


def _count(word: str) -> int | None:
    return 1 if word.lower() in ("a", "an") else number_value(word)


def read_agenda(clause: Clause, after_add: bool) -> Reading | None:
    """A question by due date or priority, or a list in another order; it changes nothing."""
    text = clause.text
    if not AGENDA_OPENING.match(text.lower()) and not clause.question or CHANGE_ASKED.search(text):
        return None
    window = DUE_WINDOW.search(text)
    high = HIGH.search(text)
    ordering = "due" if BY_DUE.search(text) else "-priority" if BY_PRIORITY.search(text) else None
    if window is None and high is None and ordering is None:
        return None
    due = WINDOWS[" ".join((window["when"] or window["late"]).lower().split())] if window else None
    counting = text.lower().startswith("how many")
    agenda = Agenda(due=due, priority="high" if high else None, ordering=ordering or ("due" if high else None))
    status: TaskStatus = "pending" if due == "overdue" or (high and (counting or OPEN.search(text))) else "all"
    if high and re.search(r"\bmost\s+(?:urgent|important)\b", text, re.IGNORECASE):
        status = "pending"
    return Tier.PLAN, Request("agenda", agenda=replace(agenda, count=counting), status=status)


def read_planned_add(clause: Clause, after_add: bool) -> Reading | None:
    """An add said with a priority ("urgent: X", "X, not urgent") or a reminder asked for ("add
    'X' tonight and text me when it's time"), which would otherwise read as what no tool does."""
    text = clause.text
    if clause.question or read_reschedule(clause, after_add) is not None:
        return None
    head = ADD_HEAD.match(text)
    rest = text[head.end() :] if head else text
    plan = Plan()
    tier = Tier.PLAN
    if match := LEADING_PRIORITY.match(rest):
        rest, plan = rest[match.end() :], Plan(priority=priority_of(match["priority"] or match["bangs"]))
    elif REPEAT.search(rest) and not NOT_A_REPEAT.search(rest):
        pass  # "water the garden every thursday"
    elif not (TRAILING_PRIORITY.search(rest) or (head and REMINDER_TAIL.search(rest))):
        return _dated_add(text)
    first = rest.split()[0].lower() if rest.split() else ""
    if not (head or first in TASK_VERB_SET or rest[:1] in "'\"" or plan.priority):
        title, said = split_plan(rest)
        if said.empty or len(title.split()) < 2:
            return None
    request = read_add(rest)
    if not request.titles:
        return None
    if plan.priority:
        plans = request.plans or tuple(Plan() for _ in request.titles)
        request = replace(request, plans=tuple(replace(each, priority=plan.priority) for each in plans))
    return tier, request


NOT_A_REPEAT = pattern(r"\b(?:repeat\w*|recurr\w*|recur|task|remind\w*|every\s+(?:one|body|thing|time))\b|\?")


def _dated_add(text: str) -> Reading | None:
    """ "offsite planning call next monday at 9": words and a date, read as a task to add when
    nothing reads them better."""
    title, plan = split_plan(text)
    first = text.split()[0].lower() if text.split() else ""
    if first in TASK_VERB_SET or first in CONTACT_VERBS:
        return None
    if not plan.due or len(title.split()) < 2 or not TIME_SAID.search(plan.due):
        return None
    request = read_add(text)
    return (Tier.TASK_VERB, request) if request.titles and request.plans else None
