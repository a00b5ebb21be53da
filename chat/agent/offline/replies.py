"""Stage 5, reply: what the agent says, naming what was done and to which task.

Every sentence the offline agent can say is here, so its voice is in one place."""

from datetime import date

from chat.agent.messages import TaskPage, TaskResult, TaskTotals, ToolArguments, ToolFailure, ToolResult, UndoResult
from chat.agent.offline.requests import Target
from chat.agent.offline.text import capitalise
from chat.agent.offline.views import TaskView, views
from todos.models import TaskStatus

QUESTION_PREFIX = "Which one do you mean: "

EXAMPLES = (
    '"add buy milk", "show my tasks", "mark task 2 as done", "rename task 1 to Call mom" or "delete the meeting task"'
)
HELP = (
    "I can add, list, complete, rename and delete your tasks, add notes to them, and answer questions about them "
    f"(how many, is it done, what number it is). Try {EXAMPLES}."
)
GREETING = f"Hello! {HELP}"
THANKS = "You're welcome! Anything else for your list?"
UNCLEAR = f"Sorry, I didn't understand that. {HELP}"
QUESTION = f"I'm not sure how to answer that. {HELP}"
CANCEL = "OK, I left your tasks as they are."
MISSING_TARGET = 'Which task do you mean? Say its number (for example "task 2") or some words from its title.'
MISSING_TITLE = 'What should the task say? For example: "add buy milk".'
MISSING_CHANGE = (
    'What should I change? For example: "rename task 2 to Buy bread" or "add a note to task 2: use the blue pen".'
)
UNKNOWN_STORY = "Nice! I couldn't tell which task that was about, so I changed nothing. Say its number to mark it done."
SHOW_TASKS_HINT = 'Say "show my tasks" to see them all.'
UNREADABLE_TASKS = f"Sorry, I couldn't read your tasks just now. {SHOW_TASKS_HINT}"
NO_MORE = 'That was the whole list: there are no more tasks to show. Say "show my tasks" to start again.'
REFUSAL = (
    "I can't do that. I only look after your own tasks, one clear request at a time, "
    'like "mark task 2 as done" or "show my tasks".'
)
UNSUPPORTED = {
    "undo": (
        "Sorry, I can't undo changes yet. I can add, complete, rename and delete tasks, "
        "so tell me what it should be now."
    ),
    "reopen": "Sorry, I can't mark a task as not done yet: I can only complete, rename or delete it.",
    "reminder": (
        "Sorry, I can't send texts, emails or notifications. I only keep your todo list; I can add a task for it."
    ),
    "repeat": "Sorry, I can't make a task repeat; each task is done once. Add it again when it comes round.",
    "due": (
        "I don't keep due dates, so I can't tell what's overdue. "
        'You can put a date in a task\'s title, like "pay rent by friday".'
    ),
}
NO_REMINDERS = (
    "I can't send reminders (no texts, emails or notifications), so I put it on your list with its due date and time."
)
LIST_HEADINGS = {"all": "Your tasks:", "pending": "Your pending tasks:", "completed": "Your completed tasks:"}
EMPTY_LISTS = {
    "all": 'You have no tasks yet. Try "add buy milk".',
    "pending": "You have no pending tasks.",
    "completed": "You have no completed tasks yet.",
}
CHAT = {"greeting": GREETING, "thanks": THANKS, "help": HELP, "cancel": CANCEL, "question": QUESTION}


def label(task: TaskView) -> str:
    return f'task {task.number} "{task.title}"' if task.title else f"task {task.number}"


def chat(topic: str) -> str:
    return CHAT.get(topic, UNCLEAR)


def unsupported(topic: str) -> str:
    return UNSUPPORTED.get(topic, UNCLEAR)


def which_one(candidates: tuple[TaskView, ...]) -> str:
    labels = [label(task) for task in candidates]
    return f"{QUESTION_PREFIX}{', '.join(labels[:-1])} or {labels[-1]}?"


def not_found(target: Target) -> str:
    if target.numbers:
        numbers = ", ".join(str(number) for number in target.numbers)
        return f"I couldn't find task {numbers}. {SHOW_TASKS_HINT}"
    if target.words:
        return f'I couldn\'t find a task matching "{" ".join(target.words)}". {SHOW_TASKS_HINT}'
    if target.everything:
        return EMPTY_LISTS[target.everything]
    return MISSING_TARGET


def what_to_do(number: int) -> str:
    return f'What should I do with task {number}? For example "mark task {number} as done" or "delete task {number}".'


def left_open(task: TaskView | None, topic: str = "") -> str:
    if task is None:
        return "OK, I haven't changed anything."
    if topic == "called_off":
        return f"OK, I haven't changed {label(task)}. Say \"delete task {task.number}\" if it's no longer needed."
    return f"OK, I've left {label(task)} open for now."


def already_done(task: TaskView) -> str:
    return f"{capitalise(label(task))} is already done."


def no_such_words(task: TaskView, words: str) -> str:
    return f'{capitalise(label(task))} doesn\'t contain "{words}", so I left it as it is.'


def count(totals: TaskTotals, status: TaskStatus) -> str:
    pending, done = totals["pending"], totals["completed"]
    if status == "pending":
        return f"You have {_tasks(pending)} still to do."
    if status == "completed":
        return f"You have completed {_tasks(done)}; {pending:,} still to do."
    return f"You have {_tasks(totals['all'])}: {pending:,} to do and {done:,} done."


def _tasks(number: int) -> str:
    return f"{number} task" if number == 1 else f"{number:,} tasks"


def status_of(task: TaskView, *, asked: TaskStatus) -> str:
    if task.completed:
        return f"{'Yes' if asked != 'pending' else 'No'}, {label(task)} is done."
    return f"{'Yes' if asked == 'pending' else 'No'}, {label(task)} is still open."


def number_of(task: TaskView) -> str:
    return f'That\'s task {task.number}: "{task.title}".'


def note_of(task: TaskView) -> str:
    if task.description:
        return f"The note on {label(task)} says: {task.description}"
    return f"{capitalise(label(task))} has no note."


def describe(task: TaskView) -> str:
    state = "done" if task.completed else "still open"
    note = f" Note: {task.description}" if task.description else " It has no note."
    return f'Task {task.number} is "{task.title}", {state}.{note}'


def list_page(page: TaskPage, status: TaskStatus, query: str = "") -> str:
    """One page of a list: a heading that says which part of how many when there is more than
    one page, the tasks, and how to see the next page."""
    if not page.tasks:
        if page.offset:
            return NO_MORE
        if query:
            return f'You have no {"" if status == "all" else f"{status} "}tasks matching "{query}".'
        return EMPTY_LISTS[status]
    heading = LIST_HEADINGS[status]
    if query:
        heading = f'{heading.removesuffix(":")} matching "{query}":'
    if page.offset or page.remaining:
        first, last = page.offset + 1, page.offset + len(page.tasks)
        heading = f"{heading.removesuffix(':')} ({first:,} to {last:,} of {last + page.remaining:,}):"
    lines = [heading, *_task_lines(list(views(page)), status)]
    if page.remaining:
        following = min(page.remaining, len(page.tasks))
        lines.append(f'...and {page.remaining:,} more; say "show more" to see the next {following:,}.')
    return "\n".join(lines)


def _task_lines(tasks: list[TaskView], status: TaskStatus) -> list[str]:
    lines = []
    for task in tasks:
        line = f"{task.number}. {task.title}"
        if task.completed and status != "completed":
            line += " (done)"
        if task.description:
            line += f" - {task.description}"
        lines.append(line)
    return lines


UNDONE = {
    "add": "removed {label} again",
    "delete": "{label} is back",
    "complete": "{label} is open again",
    "reopen": "{label} is done again",
    "update": "{label} is as it was",
}


def undone(arguments: ToolArguments, result: ToolResult) -> str:
    if not isinstance(result, UndoResult):
        return "Undone."
    parts = []
    for change in result.undone:
        template = UNDONE.get(change.action, "{label} is as it was")
        parts.append(template.format(label=label(TaskView.of(change.task))))
    return f"Undone: {', '.join(parts)}." if parts else "Undone."


def failure(arguments: ToolArguments, result: ToolResult) -> str | None:
    """What a failed tool call is said as; None when it did not fail."""
    if not isinstance(result, ToolFailure):
        return None
    if result.code == "task_not_found":
        number = result.task_id if result.task_id is not None else arguments.get("task_id")
        return f"I couldn't find task {number}. {SHOW_TASKS_HINT}"
    return f"Sorry, I couldn't do that: {result.error}"


AGENDA_HEADINGS = {
    "overdue": "Overdue:", "today": "Due today:", "tomorrow": "Due tomorrow:", "this_week": "Due this week:",
    "next_7_days": "Due in the next 7 days:", "no_date": "Without a due date:",
}  # fmt: skip
AGENDA_EMPTY = {
    "overdue": "Nothing is overdue.", "today": "Nothing is due today.", "tomorrow": "Nothing is due tomorrow.",
    "this_week": "Nothing is due this week.", "next_7_days": "Nothing is due in the next 7 days.",
    "no_date": "Every task has a due date.",
}  # fmt: skip


def agenda(arguments: ToolArguments, result: ToolResult) -> str:
    """A list by due date or priority: each task with its plan."""
    if not isinstance(result, TaskPage):
        return "Sorry, I couldn't read your tasks just now."
    due, priority = arguments.get("due"), arguments.get("priority")
    kind = f"{priority} priority " if priority else ""
    state = "open " if arguments.get("status") == "pending" else ""
    if not result.tasks:
        if isinstance(due, str) and due in AGENDA_EMPTY and not priority:
            return AGENDA_EMPTY[due]
        return f"You have no {state}{kind}tasks{' ' + due.replace('_', ' ') if isinstance(due, str) else ''}."
    heading = AGENDA_HEADINGS.get(due, "") if isinstance(due, str) else ""
    if priority:
        heading = (
            f"{heading.removesuffix(':')} ({priority} priority):".lstrip() if heading else f"{kind.capitalize()}tasks:"
        )
    if not heading:
        heading = "Your tasks by due date:" if arguments.get("ordering") == "due" else "Your tasks:"
    lines = [heading]
    for view in views(result):
        done = " (done)" if view.completed else ""
        lines.append(f"{view.number}. {view.title}{done}{planned(view)}")
    if result.remaining:
        lines.append(f'...and {result.remaining:,} more; say "show more" to see them.')
    return "\n".join(lines)


def counted(arguments: ToolArguments, result: ToolResult) -> str:
    """ "how many high priority things have I got?": the number, and which they are."""
    if not isinstance(result, TaskPage):
        return "Sorry, I couldn't read your tasks just now."
    total = len(result.tasks) + result.remaining
    priority = arguments.get("priority")
    kind = f"{priority} priority " if priority else ""
    state = "open " if arguments.get("status") == "pending" else ""
    names = ", ".join(f'"{view.title}"' for view in views(result))
    noun = "task" if total == 1 else "tasks"
    return f"You have {total} {state}{kind}{noun}" + (f": {names}." if names else ".")


def no_due_date(task: TaskView) -> str:
    return f"{label(task) if task.title else 'That task'} has no due date to move; tell me the new date instead."


def listed(arguments: ToolArguments, result: ToolResult) -> str:
    if any(key in arguments for key in ("due", "priority", "ordering")):
        return agenda(arguments, result)
    status: TaskStatus = arguments["status"] if arguments.get("status") in ("pending", "completed") else "all"
    if not isinstance(result, TaskPage):
        return EMPTY_LISTS[status]
    query = arguments.get("query")
    return list_page(result, status, query if isinstance(query, str) else "")


def _task(result: ToolResult) -> TaskView | None:
    return TaskView.of(result.task) if isinstance(result, TaskResult) else None


def added(arguments: ToolArguments, result: ToolResult) -> str:
    if (task := _task(result)) is None:
        return "Done."
    note = f" (note: {task.description})" if task.description else ""
    return f'Added task {task.number}: "{task.title}"{note}{planned(task)}.'


def planned(task: TaskView) -> str:
    """The plan of a task in words: ", due Fri 11 Dec at 17:00, high priority, repeats weekly"."""
    parts = []
    if task.due_date:
        parts.append(f"due {due_in_words(task.due_date, task.due_time)}")
    if task.priority != "none":
        parts.append(f"{task.priority} priority")
    if task.recurrence:
        parts.append(f"repeats {repeat_in_words(task.recurrence)}")
    return "".join(f", {part}" for part in parts)


def due_in_words(due_date: str, due_time: str | None) -> str:
    """ "Fri 11 Dec" or "Fri 11 Dec at 17:00"; the date as given when it cannot be read."""
    try:
        day = date.fromisoformat(due_date)
    except ValueError:
        return due_date
    said = f"{day:%a} {day.day} {day:%b}"
    return f"{said} at {due_time[:5]}" if due_time else said


REPEAT_WORDS = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly"}
DAY_NAMES = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}


def repeat_in_words(rule: str) -> str:
    """A repeat rule said plainly enough: "weekly on Mon, Thu", "every 2 weeks", "monthly"."""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    frequency = REPEAT_WORDS.get(parts.get("FREQ", ""), "regularly")
    if (interval := parts.get("INTERVAL")) and interval != "1":
        frequency = f"every {interval} {frequency.removesuffix('ly').replace('dai', 'day')}s"
    if days := parts.get("BYDAY"):
        frequency += " on " + ", ".join(DAY_NAMES.get(day, day) for day in days.split(","))
    return frequency


def completed(arguments: ToolArguments, result: ToolResult) -> str:
    if (task := _task(result)) is None:
        return "Done."
    if task.recurrence and not task.completed and task.due_date:
        return (
            f'Done for this time: task {task.number} "{task.title}" repeats, '
            f"next due {due_in_words(task.due_date, task.due_time)}."
        )
    return f'Marked task {task.number} "{task.title}" as completed.'


def deleted(arguments: ToolArguments, result: ToolResult) -> str:
    if (task := _task(result)) is None:
        return "Done."
    return f'Deleted task {task.number} "{task.title}".'


def reopened(arguments: ToolArguments, result: ToolResult) -> str:
    if (task := _task(result)) is None:
        return "Done."
    return f'Reopened task {task.number} "{task.title}": it is not done any more.'


def updated(arguments: ToolArguments, result: ToolResult) -> str:
    if (task := _task(result)) is None:
        return "Done."
    if arguments.get("description") == "":
        change = " (note removed)"
    elif arguments.get("description"):
        change = f" (note: {task.description})"
    else:
        change = ""
    if any(key in arguments for key in ("due", "priority", "repeat")):
        change += planned(task) or (", no due date" if arguments.get("due") == "none" else "")
        if arguments.get("priority") == "none":
            change += ", no priority"
        if arguments.get("repeat") == "none":
            change += ", does not repeat"
    return f'Updated task {task.number}: "{task.title}"{change}.'
