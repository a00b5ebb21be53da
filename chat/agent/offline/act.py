"""Stage 4, act: resolved requests become tool calls, or answers that need none.

`plan_steps` is a pure function of the requests, the task list (when one was fetched) and
the context, so each model call of a turn recomputes the same steps: the first call asks
for the task list if a step needs it, the next makes the steps' tool calls, the last turns
their results into the reply.
"""

import re
from dataclasses import dataclass, replace
from typing import Any

from chat.agent.offline import replies
from chat.agent.offline.context import Context, TaskView, totals_of
from chat.agent.offline.lexicon import STOP_WORDS
from chat.agent.offline.requests import Request, Target
from chat.agent.offline.resolve import Resolution, best_matches, resolve
from chat.agent.offline.text import capitalise, words

ToolCallSpec = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Step:
    """What one request does: tool calls whose results the reply reports, or a reply alone."""

    request: Request
    calls: tuple[ToolCallSpec, ...] = ()
    answer: str = ""
    silent_alone: bool = False  # said only when nothing else is


def answer_question(requests: list[Request], context: Context) -> list[Request]:
    """An answer to last turn's "which one do you mean?" ("the bill one", "2", "the first")
    becomes the request that was asked about, aimed at the chosen task."""
    from chat.agent.offline.understand import understand

    question = context.question
    bare = _bare_items(requests[0].title or "") if len(requests) == 1 and requests[0].kind == "target" else []
    if question is None and bare:
        # "milk", "bread, coffee, batteries": things to get, said as nothing but their names
        return [Request("add", titles=tuple(capitalise(item) for item in bare))]
    if question is None or not requests or requests[0].kind != "target":
        # a clause that only names a task, said beside a request, answers nothing
        return [request for request in requests if request.kind != "target"] if len(requests) > 1 else requests
    chosen = _choose(requests[0].target, question.candidates)
    if chosen is None:
        return requests
    asked = [request for request in understand(question.message) if request.kind in TARGETED]
    if not asked:
        return requests
    kind = "complete" if asked[0].kind == "story" else asked[0].kind  # "the bill one is handled" -> which?
    return [replace(asked[0], kind=kind, target=Target(numbers=(chosen,))), *requests[1:]]


def _bare_items(text: str) -> list[str]:
    """The items of a message that is only short names ("milk", "bread, coffee and batteries"):
    each one to three real-looking words (vowels in them, none a number or a common word)."""
    items = [item.strip() for item in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", text) if item.strip()]
    for item in items:
        tokens = words(item)
        if not 1 <= len(tokens) <= 3 or any(not _looks_like_a_word(token) for token in tokens):
            return []
    return items


def _looks_like_a_word(token: str) -> bool:
    vowels = sum(letter in "aeiouy" for letter in token)
    return token.isalpha() and len(token) >= 3 and vowels / len(token) >= 0.25 and token not in STOP_WORDS


TARGETED = frozenset(
    {"complete", "delete", "update", "reopen", "story", "ask_status", "ask_task", "ask_note", "ask_number"}
)


def _choose(answer: Target, candidates: tuple[TaskView, ...]) -> int | None:
    numbers = [task.number for task in candidates]
    if len(answer.numbers) == 1:
        number = answer.numbers[0]
        if number in numbers:
            return number
        return numbers[number - 1] if 1 <= number <= len(numbers) else None
    if answer.ordinal:
        index = answer.ordinal - 1 if answer.ordinal > 0 else answer.ordinal
        return numbers[index] if -len(numbers) <= index < len(numbers) else None
    if answer.words:
        found = best_matches(list(candidates), answer.words)
        return found[0].number if len(found) == 1 else None
    return None


def needs_task_list(requests: list[Request]) -> bool:
    return any(request.needs_task_list for request in requests)


def plan_steps(
    requests: list[Request],
    *,
    tasks: list[TaskView] | None,
    context: Context,
    tools: frozenset[str] = frozenset(),
    totals: dict[str, int] | None = None,
) -> list[Step]:
    """The steps for `requests`; `tasks`: the tasks read for them, `totals`: the user's task
    counts by status (read with them); `tools`: the names of the tools the model may call."""
    steps = [_step(request, tasks=tasks, totals=totals, context=context, tools=tools) for request in requests]
    if len(steps) > 1:
        # A story that names no known task, said beside a clear request, is only chatter.
        steps = [step for step in steps if not step.silent_alone] or steps[:1]
    return steps


def _step(
    request: Request,
    *,
    tasks: list[TaskView] | None,
    totals: dict[str, int] | None,
    context: Context,
    tools: frozenset[str],
) -> Step:
    kind = request.kind
    if kind == "undo":
        if "undo_last_turn" not in tools:
            return Step(request, answer=replies.unsupported("undo"))
        return Step(request, calls=(("undo_last_turn", {}),))
    if kind == "reopen":
        if "reopen_task" not in tools:
            return Step(request, answer=replies.unsupported("reopen"))
        resolution = resolve(request.target, tasks=tasks, context=context)
        if resolution.candidates:
            return Step(request, answer=replies.which_one(resolution.candidates))
        if not resolution.numbers:
            return Step(request, answer=replies.not_found(request.target))
        return Step(request, calls=tuple(("reopen_task", {"task_id": number}) for number in resolution.numbers))
    if kind == "add":
        if not request.titles:
            return Step(request, answer=replies.MISSING_TITLE)
        description = request.description or None
        return Step(
            request, calls=tuple(("add_task", {"title": title, "description": description}) for title in request.titles)
        )
    if kind == "show":
        return Step(request, calls=(("list_tasks", {"status": request.status}),))
    if kind == "show_more":
        return _more_step(request, context)
    if kind in {"complete", "delete", "update", "story"}:
        return _targeted_step(request, tasks=tasks, context=context)
    if kind == "not_done":
        found = best_matches([task for task in tasks or [] if not task.completed], request.target.words, strong=True)
        task = found[0] if len(found) == 1 else None
        return Step(request, answer=replies.left_open(task, request.topic), silent_alone=task is None)
    if kind in {"count", "ask_status", "ask_number", "ask_task", "ask_note"}:
        return Step(request, answer=_answer(request, tasks=tasks or [], totals=totals, context=context))
    if kind == "target":
        if request.target.numbers:
            return Step(request, answer=replies.what_to_do(request.target.numbers[0]))
        return Step(request, answer=replies.UNCLEAR)
    if kind == "unsupported":
        return Step(request, answer=replies.unsupported(request.topic))
    if kind == "refuse":
        return Step(request, answer=replies.REFUSAL)
    return Step(request, answer=replies.chat(request.topic))


def _targeted_step(request: Request, *, tasks: list[TaskView] | None, context: Context) -> Step:
    story = request.kind == "story"
    if story:
        pending = [task for task in tasks or [] if not task.completed]
        found = best_matches(pending, request.target.words, strong=True) or best_matches(
            tasks or [], request.target.words, strong=True
        )
        if len(found) == 1 and found[0].completed:
            return Step(request, answer=replies.already_done(found[0]))
        if len(found) > 1 and request.target.plural:  # "got the leash and the crate"
            return Step(request, calls=tuple(("complete_task", {"task_id": task.number}) for task in found))
        resolution = (
            Resolution(numbers=(found[0].number,))
            if len(found) == 1
            else Resolution(candidates=tuple(found), unknown=not found)
        )
    elif request.replace is not None and (not request.target.named or (request.target.pronoun and not context.focus)):
        old = request.replace[0].lower()  # "swap bananas for plantains": the task whose title holds them
        holding = [task for task in tasks or [] if old in task.title.lower()]
        resolution = (
            Resolution(numbers=(holding[0].number,)) if len(holding) == 1 else Resolution(candidates=tuple(holding))
        )
    else:
        resolution = resolve(request.target, tasks=tasks, context=context, prefer_pending=request.kind == "complete")
    if resolution.candidates:
        return Step(request, answer=replies.which_one(resolution.candidates))
    if not resolution.numbers:
        if story:
            return Step(request, answer=replies.UNKNOWN_STORY, silent_alone=True)
        return Step(request, answer=replies.not_found(request.target))
    tool = {"complete": "complete_task", "story": "complete_task", "delete": "delete_task"}.get(request.kind)
    if tool is not None:
        return Step(request, calls=tuple((tool, {"task_id": number}) for number in resolution.numbers))
    return _update_step(request, resolution.numbers, tasks=tasks)


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
    return Step(
        request,
        calls=tuple(
            ("update_task", {"task_id": number, "title": title, "description": request.description})
            for number in numbers[:1]
        ),
    )


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


def _more_step(request: Request, context: Context) -> Step:
    """The next page of the list last shown; the first page when none was."""
    listing = context.listing
    if listing is None:
        return Step(request, calls=(("list_tasks", {"status": "all"}),))
    if listing.next_offset is None:
        return Step(request, answer=replies.NO_MORE)
    arguments: dict[str, Any] = {"status": listing.status, "offset": listing.next_offset}
    if listing.query:
        arguments["query"] = listing.query
    return Step(request, calls=(("list_tasks", arguments),))


def _answer(request: Request, *, tasks: list[TaskView], totals: dict[str, int] | None, context: Context) -> str:
    if request.kind == "count":
        return replies.count(totals or totals_of(tasks), request.status)
    resolution = resolve(request.target, tasks=tasks, context=context)
    if resolution.candidates:
        return replies.which_one(resolution.candidates)
    by_number = {task.number: task for task in tasks}
    found = [by_number[number] for number in resolution.numbers if number in by_number]
    if not found:
        return replies.not_found(request.target)
    task = found[0]
    if request.kind == "ask_status":
        return replies.status_of(task, asked=request.status)
    if request.kind == "ask_number":
        return replies.number_of(task)
    if request.kind == "ask_note":
        return replies.note_of(task)
    return replies.describe(task)
