"""Reading the user's tasks for resolving requests, one page at a time.

`list_tasks` returns at most a page of tasks. A request that names a task by its words (or
asks about the list) first reads the first page with the totals: for most users that is every
task, and resolving goes on as over the whole list, typos forgiven. When there are more, a
second round fetches what the requests name:

- words ("the dentist task"): the tasks holding all of them (the `query` filter), and, when no
  task does, a third round with the two longest words alone (an extra word the title lacks:
  "the dentist appointment thing"); words are matched as stems ("groceries" finds "grocery"),
  so on a long list a misspelt word finds nothing;
- a number ("is task 4000 done?"): the page that ends where the task would be with no gaps
  (it is found unless more than a page of lower numbers was deleted);
- "the last one", "the last one I added" (with nothing in the conversation): the last page;
- "all the completed ones": the first page of that status (acting on at most a page).

Each round is one model call whose tool calls are all `list_tasks` (at most `SEARCHES`), marked
as a lookup in its `state` (so the context never takes them for a list shown to the user).
Like every stage, this is a pure function of what the conversation holds, recomputed at each
call.
"""

from collections.abc import Iterable

from chat.agent.messages import TaskPage, TaskTotals
from chat.agent.offline.context import Context
from chat.agent.offline.intents import needs_task_list
from chat.agent.offline.lexicon import LIGHT_VERBS, STOP_WORDS
from chat.agent.offline.requests import Request
from chat.agent.offline.text import stem
from chat.agent.offline.tool_names import LIST, ToolCallSpec
from chat.agent.offline.views import TaskView, holds_everything, page_totals, views

FIRST_PAGE: ToolCallSpec = (LIST, {"status": "all"})
# Each search can bring a page of tasks into the turn, whose messages the prompt budget cannot
# cut: at most this many searches a round, and at most this many words a search.
SEARCHES = 3
SINGLE_WORD_SEARCHES = 2
SEARCH_WORDS = 4


def lookup_calls(requests: list[Request], rounds: list[list[TaskPage | None]], context: Context) -> list[ToolCallSpec]:
    """The `list_tasks` calls of the next lookup round, given the pages of the rounds so far
    (in the order of their calls); none once the pages read are enough to resolve `requests`."""
    wanted = [request for request in requests if needs_task_list(request)]
    if not wanted:
        return []
    if not rounds:
        return [FIRST_PAGE]
    first = rounds[0][0] if rounds[0] else None
    if first is None or holds_everything(first):
        return []
    searches = _unique(call for request in wanted for call in _searches(request, first, context))[:SEARCHES]
    if len(rounds) == 1:
        return searches
    if len(rounds) == 2:
        unmatched = [
            call[1]["query"]
            for call, page in zip(searches, rounds[1], strict=False)
            if page is not None and not page.tasks and len(call[1].get("query", "").split()) > 1
        ]
        # The longest words first: the likeliest to name few tasks.
        words = sorted(dict.fromkeys(word for query in unmatched for word in query.split()), key=len, reverse=True)
        return [(LIST, {"status": "all", "query": word}) for word in words[:SINGLE_WORD_SEARCHES]]
    return []


def looked_up(rounds: list[list[TaskPage | None]]) -> tuple[list[TaskView] | None, TaskTotals | None]:
    """The tasks the lookup rounds read (in number order, each once) and the user's totals;
    (None, None) when the first page could not be read."""
    first = rounds[0][0] if rounds and rounds[0] else None
    if first is None:
        return None, None
    tasks = {task.number: task for pages in rounds for page in pages if page is not None for task in views(page)}
    return [tasks[number] for number in sorted(tasks)], page_totals(first)


def search_words(words: Iterable[str]) -> list[str]:
    """The words to search for a task named by `words`: their stems, the common verbs left
    out when there are others ("call the plumber": "plumber")."""
    content = [word for word in words if word not in STOP_WORDS or word in LIGHT_VERBS]
    heavy = [word for word in content if word not in LIGHT_VERBS] or content
    return list(dict.fromkeys(_stem(word) for word in heavy))[:SEARCH_WORDS]


def _stem(word: str) -> str:
    # Cut to what every form of the word holds: "grocery" for "groceries" is "grocer".
    stemmed = stem(word)
    return stemmed[:-1] if len(stemmed) > 3 and stemmed.endswith("y") else stemmed


def _searches(request: Request, first: TaskPage, context: Context) -> list[ToolCallSpec]:
    target, size = request.target, max(len(first.tasks), 1)
    calls: list[ToolCallSpec] = []
    if request.replace is not None:
        if words := search_words(request.replace[0].lower().split()):
            calls.append((LIST, {"status": "all", "query": " ".join(words)}))
    if target.words and (words := search_words(target.words)):
        calls.append((LIST, {"status": "all", "query": " ".join(words)}))
    shown = {task.number for task in views(first)}
    for number in target.numbers if request.kind.startswith("ask_") else ():
        if number not in shown and number > size:
            calls.append((LIST, {"status": "all", "offset": number - size}))
    last_ordinal = (target.ordinal or 0) < 0 or any(place < 0 for place in target.ordinals)
    if (target.last_added and context.last_added is None) or (last_ordinal and not context.shown):
        calls.append((LIST, {"status": "all", "offset": max(page_totals(first)["all"] - size, 0)}))
    if target.everything in ("pending", "completed"):
        calls.append((LIST, {"status": target.everything}))
    return calls


def _unique(calls: Iterable[ToolCallSpec]) -> list[ToolCallSpec]:
    found: dict[str, ToolCallSpec] = {}
    for name, arguments in calls:
        found.setdefault(repr(sorted(arguments.items())), (name, arguments))
    return list(found.values())
