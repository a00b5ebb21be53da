"""Stage 4, act: how each intent plans its tool calls, or an answer that needs none.

Each planner here is named by an intent's declaration (`intents`) and is a pure function of
the request and the `Situation` (the task list when one was fetched, the context, the tools
on offer), so each model call of a turn recomputes the same steps: the first call asks for the
task list if a step needs it, the next makes the steps' tool calls, the last turns their
results into the reply.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from chat.agent.messages import TaskTotals, ToolArguments
from chat.agent.offline import replies
from chat.agent.offline.context import Context
from chat.agent.offline.plans import ONLY_TIME, REPEAT, TIME_SAID
from chat.agent.offline.requests import Agenda, Plan, Request, Target
from chat.agent.offline.resolve import Resolution, best_matches, resolve
from chat.agent.offline.tool_names import UPDATE, ToolCallSpec
from chat.agent.offline.views import TaskView, totals_of


@dataclass(frozen=True)
class Step:
    """What one request does: tool calls whose results the reply reports, or a reply alone."""

    request: Request
    calls: tuple[ToolCallSpec, ...] = ()
    answer: str = ""
    silent_alone: bool = False  # said only when nothing else is
    question: tuple[TaskView, ...] = ()  # the answer asks which of these tasks is meant
    footnote: str = ""  # said after the calls' results
    counting: bool = False  # a list asked for as "how many"


@dataclass(frozen=True)
class Situation:
    """What a plan is made from besides the request: the tasks read for it (None: none were),
    the user's totals read with them, the context and the names of the tools on offer."""

    tasks: list[TaskView] | None
    totals: TaskTotals | None
    context: Context
    tools: frozenset[str]


def ask_which(request: Request, candidates: tuple[TaskView, ...]) -> Step:
    return Step(request, answer=replies.which_one(candidates), question=candidates)


def each(tool: str, numbers: tuple[int, ...]) -> tuple[ToolCallSpec, ...]:
    return tuple((tool, {"task_id": number}) for number in numbers)


def plan_call(request: Request, situation: Situation, tool: str) -> Step:
    """A call that needs nothing from the request (undo)."""
    return Step(request, calls=((tool, {}),))


def plan_on_target(request: Request, situation: Situation, tool: str) -> Step:
    """The tool on each task the target names (reopen)."""
    resolution = resolve(request.target, tasks=situation.tasks, context=situation.context)
    if resolution.candidates:
        return ask_which(request, resolution.candidates)
    if not resolution.numbers:
        return Step(request, answer=replies.not_found(request.target))
    return Step(request, calls=each(tool, resolution.numbers))


def plan_add(request: Request, situation: Situation, tool: str) -> Step:
    if not request.titles:
        return Step(request, answer=replies.MISSING_TITLE)
    description = request.description or None
    plans = request.plans or tuple(Plan() for _ in request.titles)
    calls = tuple(
        (tool, {"title": title, "description": description, **plan_arguments(plan)})
        for title, plan in zip(request.titles, plans, strict=True)
    )
    reminded = any(plan.reminder for plan in plans)
    return Step(request, calls=calls, footnote=replies.NO_REMINDERS if reminded else "")


def plan_arguments(plan: Plan) -> ToolArguments:
    """The planning arguments of `add_task`/`update_task` a plan says (none when it says none,
    so a plain add reads as before)."""
    return _said(due=plan.due, priority=plan.priority, repeat=plan.repeat)


def _said(**values: object) -> ToolArguments:
    """The arguments among `values` that were said (an empty or None one is left out)."""
    return {name: value for name, value in values.items() if value}


def plan_agenda(request: Request, situation: Situation, tool: str) -> Step:
    """ "what's due today?", "show high priority only", "sort by due date": one filtered list."""
    agenda = request.agenda or Agenda()
    arguments = {"status": request.status, **_said(due=agenda.due, priority=agenda.priority, ordering=agenda.ordering)}
    return Step(request, calls=((tool, arguments),), counting=agenda.count)


def plan_reschedule(request: Request, situation: Situation, tool: str) -> Step:
    """A new due date, time, priority or repeat for each task the target names; a postponement
    ("a week") and a time alone ("to 4pm") start from the task's current due date, and a new day
    keeps the current time."""
    resolution = resolve(request.target, tasks=situation.tasks, context=situation.context)
    if resolution.candidates:
        return ask_which(request, resolution.candidates)
    if not resolution.numbers:
        return Step(request, answer=replies.not_found(request.target))
    known = {task.number: task for task in situation.tasks or []}
    plan = request.plan or Plan()
    calls: list[ToolCallSpec] = []
    for number in resolution.numbers:
        task = known.get(number)
        due = _new_due(plan, task)
        if due is None and (plan.shift_days or plan.keep_time and not plan.due):
            return Step(request, answer=replies.no_due_date(task or TaskView(number=number, title="")))
        arguments = plan_arguments(replace(plan, due=due))
        calls.append((tool, {"task_id": number, **arguments}))
    return Step(request, calls=tuple(calls))


def _new_due(plan: Plan, task: TaskView | None) -> str | None:
    """The due words for the tool: moved from the task's current due date when the plan says so."""
    current = task.due_date if task else None
    at = f" at {task.due_time[:5]}" if task and task.due_time else ""
    if plan.shift_days:
        if current is None:
            return None
        return (date.fromisoformat(current) + timedelta(days=plan.shift_days)).isoformat() + at
    if plan.due and ONLY_TIME.match(plan.due):  # "to 4pm": the same day
        return f"{current} {plan.due}" if current else plan.due
    if plan.due and plan.keep_time and at and not TIME_SAID.search(plan.due) and not REPEAT.search(plan.due):
        return plan.due + at
    return plan.due


def plan_show(request: Request, situation: Situation, tool: str) -> Step:
    return Step(request, calls=((tool, {"status": request.status}),))


def plan_more(request: Request, situation: Situation, tool: str) -> Step:
    """The next page of the list last shown; the first page when none was."""
    listing = situation.context.listing
    if listing is None:
        return Step(request, calls=((tool, {"status": "all"}),))
    if listing.next_offset is None:
        return Step(request, answer=replies.NO_MORE)
    arguments: ToolArguments = {"status": listing.status, "offset": listing.next_offset}
    if listing.query:
        arguments["query"] = listing.query
    return Step(request, calls=((tool, arguments),))


def plan_story(request: Request, situation: Situation, tool: str) -> Step:
    """ "finally fixed the sink": completes the one task it clearly names, else changes nothing."""
    tasks = situation.tasks or []
    pending = [task for task in tasks if not task.completed]
    found = best_matches(pending, request.target.words, strong=True) or best_matches(
        tasks, request.target.words, strong=True
    )
    if len(found) == 1 and found[0].completed:
        return Step(request, answer=replies.already_done(found[0]))
    if len(found) > 1 and request.target.plural:  # "got the leash and the crate"
        return Step(request, calls=each(tool, tuple(task.number for task in found)))
    if len(found) > 1:
        return ask_which(request, tuple(found))
    if not found:
        return Step(request, answer=replies.UNKNOWN_STORY, silent_alone=True)
    return Step(request, calls=each(tool, (found[0].number,)))


def plan_targeted(request: Request, situation: Situation, tool: str) -> Step:
    """Complete, delete or update the task(s) the target names."""
    context, tasks = situation.context, situation.tasks
    if request.replace is not None and (not request.target.named or (request.target.pronoun and not context.focus)):
        old = request.replace[0].lower()  # "swap bananas for plantains": the task whose title holds them
        holding = [task for task in tasks or [] if old in task.title.lower()]
        resolution = (
            Resolution(numbers=(holding[0].number,)) if len(holding) == 1 else Resolution(candidates=tuple(holding))
        )
    else:
        resolution = resolve(request.target, tasks=tasks, context=context, prefer_pending=request.kind == "complete")
    if resolution.candidates and request.target.plural and request.target.words and tool != UPDATE:
        resolution = Resolution(numbers=tuple(task.number for task in resolution.candidates))  # "all the X ones"
    if resolution.candidates:
        return ask_which(request, resolution.candidates)
    if not resolution.numbers:
        return Step(request, answer=replies.not_found(request.target))
    if tool == UPDATE:
        return _update_step(request, resolution.numbers, tasks=tasks)
    return Step(request, calls=each(tool, resolution.numbers))


def _update_step(request: Request, numbers: tuple[int, ...], *, tasks: list[TaskView] | None) -> Step:
    title = request.title
    if request.replace is not None:
        old, new = request.replace
        current = {task.number: task for task in tasks or []}.get(numbers[0])
        if current is None:
            return Step(request, answer=replies.not_found(Target(numbers=numbers[:1])))
        replaced = _replace_words(current.title, old, new)
        if replaced is None:
            return Step(request, answer=replies.no_such_words(current, old))
        title = replaced
    if title is None and request.description is None:
        return Step(request, answer=replies.MISSING_CHANGE)
    arguments = {"task_id": numbers[0], "title": title, "description": request.description}
    return Step(request, calls=((UPDATE, arguments),))


def _replace_words(title: str, old: str, new: str) -> str | None:
    """`title` with `old` replaced by `new`, ignoring case; None when `old` is not in it."""
    old, new = old.strip(), new.strip()
    pattern = re.compile(re.escape(old), re.IGNORECASE)
    if not old or not pattern.search(title):
        return None
    # "make it 30 cupcakes, not 24": the words after "30" that follow "24" in the title too
    following = new.split()[1:]
    for size in range(len(following), 0, -1):
        longer = re.compile(rf"{re.escape(old)}\s+{re.escape(' '.join(following[-size:]))}", re.IGNORECASE)
        if new.lower().endswith(" ".join(following[-size:]).lower()) and longer.search(title):
            return longer.sub(lambda _: new, title, count=1)
    return pattern.sub(lambda _: new, title, count=1)


def plan_not_done(request: Request, situation: Situation, tool: str) -> Step:
    """ "missed yoga": names a task and changes nothing."""
    open_tasks = [task for task in situation.tasks or [] if not task.completed]
    found = best_matches(open_tasks, request.target.words, strong=True)
    task = found[0] if len(found) == 1 else None
    return Step(request, answer=replies.left_open(task, request.topic), silent_alone=task is None)


def plan_count(request: Request, situation: Situation, tool: str) -> Step:
    return Step(request, answer=replies.count(situation.totals or totals_of(situation.tasks or []), request.status))


def plan_question(request: Request, situation: Situation, tool: str) -> Step:
    """A question about one task: its status, number, note or all of it."""
    tasks = situation.tasks or []
    resolution = resolve(request.target, tasks=tasks, context=situation.context)
    if resolution.candidates:
        return ask_which(request, resolution.candidates)
    by_number = {task.number: task for task in tasks}
    found = [by_number[number] for number in resolution.numbers if number in by_number]
    if not found:
        return Step(request, answer=replies.not_found(request.target))
    task = found[0]
    if request.kind == "ask_status":
        return Step(request, answer=replies.status_of(task, asked=request.status))
    answers = {"ask_number": replies.number_of, "ask_note": replies.note_of}
    return Step(request, answer=answers.get(request.kind, replies.describe)(task))


def plan_target(request: Request, situation: Situation, tool: str) -> Step:
    if request.target.numbers:
        return Step(request, answer=replies.what_to_do(request.target.numbers[0]))
    return Step(request, answer=replies.UNCLEAR)


def plan_unsupported(request: Request, situation: Situation, tool: str) -> Step:
    return Step(request, answer=replies.unsupported(request.topic))


def plan_refusal(request: Request, situation: Situation, tool: str) -> Step:
    return Step(request, answer=replies.REFUSAL)


def plan_chat(request: Request, situation: Situation, tool: str) -> Step:
    return Step(request, answer=replies.chat(request.topic))
