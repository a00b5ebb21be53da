"""A deterministic stand-in for the language model, so the product works with no network and no key.

`OfflineModel` implements the same seam as the OpenAI client (`ModelClient.complete`) and works
*through* the tools, exactly as a real model would:

1. On the user's message it parses an `Intent` with regular expressions and answers with a tool
   call, or with a direct reply for greetings, help and anything it does not understand.
2. When the user names a task by words instead of its number, it first calls `list_tasks`, then
   picks the matching task from the result and calls the action tool, or asks which one is meant.
3. Once the action's result is back, it turns that result into the final reply.

It keeps no state: every call recomputes the step from `messages`. An answer ("2", "the first
one") to a "Which one do you mean" question is understood by re-reading that question's turn:
the user's message before it and the task list fetched then.
"""

import json
import re
import uuid
from dataclasses import dataclass, replace
from itertools import takewhile
from typing import Any

from chat.agent.model import AssistantMessage, ChatMessage, ToolCall, Usage

EXAMPLES = (
    '"add buy milk", "show my tasks", "mark task 2 as done", "rename task 1 to Call mom" or "delete the meeting task"'
)
HELP_REPLY = f"I can add, list, complete, rename and delete your tasks. Try {EXAMPLES}."
GREETING_REPLY = f"Hello! {HELP_REPLY}"
THANKS_REPLY = f"You're welcome! {HELP_REPLY}"
UNCLEAR_REPLY = f"Sorry, I didn't understand that. {HELP_REPLY}"
CANCEL_REPLY = "OK, I left your tasks as they are."
MISSING_TARGET_REPLY = 'Which task? Say its number (for example "delete task 2") or some words from its title.'
MISSING_TITLE_REPLY = 'What should the task say? For example: "add buy milk".'
QUESTION_PREFIX = "Which one do you mean: "
SHOW_TASKS_HINT = 'Say "show my tasks" to see'
LIST_HEADINGS = {"all": "Your tasks:", "pending": "Your pending tasks:", "completed": "Your completed tasks:"}
EMPTY_LIST_REPLIES = {
    "all": 'You have no tasks yet. Try "add buy milk".',
    "pending": "You have no pending tasks.",
    "completed": "You have no completed tasks yet.",
}

TOOL_FOR_ACTION = {"complete": "complete_task", "delete": "delete_task", "update": "update_task"}
DESCRIPTION_FIELDS = {"description", "details", "note", "notes"}
DONE_WORDS = {"done", "complete", "completed", "finished"}
NUMBER_FILLERS = {"the", "task", "tasks", "todo", "todos", "item", "items", "number", "numbers", "no", "and"}
STOP_WORDS = NUMBER_FILLERS | {"a", "an", "my", "one", "that", "this", "to", "of", "for", "with", "about", "on", "in"}
STOP_WORDS |= {"it", "called", "named", "list", "please", "i", "am", "im", "all", "thing", "reminder", "entry"}
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "last": -1}


def _compile(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in alternatives), re.IGNORECASE | re.DOTALL)


POLITE_PREFIX = _compile(
    r"^(?:please|pls|kindly|hey|hi|hello|ok|okay|so|now|also|and|then|just|oh|well|um+"
    r"|(?:can|could|would|will)\s+(?:you|u)|i\s+(?:want|need|would\s+like|'d\s+like)\s+you\s+to"
    r"|i\s+(?:want|would\s+like|'d\s+like)\s+to|help\s+me)\b[\s,!.:]*"
)
TRAILING_NOISE = _compile(r"(?:[\s,]+(?:please|pls|thanks|thank\s+you|for\s+me))*[\s?!.,;:]*$")
GREETING = _compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)|morning|evening"
    r"|how\s+are\s+you|what's\s+up)(?:\s+(?:there|again|assistant|friend|everyone))?$"
)
THANKS = _compile(
    r"^(?:(?:ok|okay|great|cool|perfect|awesome|nice)\s+)?(?:thanks|thank\s+you|thx|ty|cheers|much\s+appreciated)"
    r"(?:\s+(?:so\s+much|a\s+lot|very\s+much|a\s+bunch|again))?$"
)
HELP = _compile(
    r"^(?:help(?:\s+me)?|what\s+can\s+you\s+do|what\s+do\s+you\s+do|how\s+does\s+this\s+work"
    r"|how\s+do\s+i\s+use\s+(?:this|you)|commands|who\s+are\s+you|what\s+are\s+you)$"
)
CANCEL = _compile(r"^(?:never\s*mind|cancel|forget\s+it|neither|none(?:\s+of\s+them)?|no|nope|nothing)$")
BARE_LIST = _compile(
    r"^(?:(?:all|my|the)\s+)*(?:(?:pending|open|remaining|outstanding|completed|finished|done)\s+)?"
    r"(?:tasks?|todos?|to\s+dos?|(?:todo|to\s+do|task)\s+list|list)$",
    r"^(?:pending|completed|remaining|outstanding)$",
)
LIST_OPENING = _compile(
    r"^(?:show|list|see|view|display|give\s+me|read|tell\s+me|what|what's|whats|which|how\s+many"
    r"|do\s+i\s+have|have\s+i|is\s+there|are\s+there|any|i\s+(?:need|want)\s+to\s+(?:see|know|check|view))\b"
)
LIST_SUBJECT = _compile(
    r"\b(?:tasks?|todos?|to\s+dos?|list|pending|left|remaining|outstanding|completed?|done|finished|open"
    r"|to\s+do|agenda|plate|anything|everything)\b"
)
PENDING_STATUS = _compile(
    r"\b(?:pending|open|remaining|left|outstanding|unfinished|incomplete|undone|still|active|due|plate"
    r"|not\s+(?:yet\s+)?(?:done|completed?|finished)|to\s+do(?!\s+list))\b"
)
COMPLETED_STATUS = _compile(r"\b(?:completed?|done|finished|accomplished|ticked\s+off|checked\s+off)\b")
FIELD = r"title|name|description|details|notes?"
UPDATE_PATTERNS = (
    _compile(
        r"^(?:change|rename|update|edit|set|modify|reword|retitle)\s+(?:the\s+)?"
        rf"(?:(?P<field>{FIELD})\s+(?:of|for|on)\s+)?(?P<target>.+?)(?:'s)?(?:\s+(?P<field_after>{FIELD}))?"
        r"(?:\s+to(?:\s+say)?\s+|\s*:\s*)(?P<value>.+)$"
    ),
    _compile(
        r"^(?:add|give|put|attach)\s+(?:a\s+|the\s+)?(?P<field>description|details|notes?)\s+(?:to|for|on)\s+"
        r"(?P<target>.+?)(?:\s*:\s*|\s+saying\s+)(?P<value>.+)$"
    ),
)
CLEAR_DESCRIPTION = _compile(
    r"^(?:clear|remove|delete|erase)\s+(?:the\s+)?(?:description|details|notes?)\s+(?:of|from|on|for)\s+(?P<target>.+)$"
)
COMPLETE_PHRASES = (
    r"^(?:mark|set|make|flag)\s+(?P<target>.+?)\s+(?:as\s+)?(?:done|complete|completed|finished)$",
    r"^(?:check|tick|cross)\s+off\s+(?P<target>.+)$",
    r"^(?:check|tick|cross)\s+(?P<target>.+?)\s+off$",
    r"^(?:complete|finish|close)\s+(?P<target>.+)$",
    r"^(?:i'm\s+|i\s+am\s+|i've\s+|i\s+have\s+)?(?:done|finished)\s+with\s+(?P<target>.+)$",
    r"^i(?:'ve|\s+have)?\s+(?:just\s+|already\s+|finally\s+)?(?:finished|completed|done|did)\s+(?P<target>.+)$",
    r"^(?P<target>.+?)\s+(?:is|are|has\s+been|have\s+been|was|were)\s+(?:now\s+|all\s+)?(?:done|completed?|finished)$",
    r"^(?P<target>.+?)\s+(?:done|completed|finished)$",
    # "I bought the groceries": the object names the task; the verb rarely matches its title.
    r"^i(?:'ve|\s+have)?\s+(?:just\s+|already\s+|finally\s+)?(?!(?:need|feed|wanted|added|started|created"
    r"|planned|decided|tried|hoped|used|deleted|removed|renamed|updated|changed|got\s+to)\b)"
    r"(?:[a-z]+ed|bought|paid|made|sent|wrote|got|took|ate|read|ran|fed|met|sold|built|found|brought|drove|gave)"
    r"\s+(?P<target>.+)$",
)
COMPLETE_PATTERNS = tuple(_compile(phrase) for phrase in COMPLETE_PHRASES)
DELETE = _compile(
    r"^(?:delete|remove|erase|drop|cancel|trash|scrap|discard|get\s+rid\s+of|forget\s+about)\s+(?P<target>.+?)"
    r"(?:\s+(?:off|from)\s+(?:my|the)\s+(?:(?:todo|to-do|task)\s+)?list)?$"
)
TARGETED_PATTERNS = (("complete", COMPLETE_PATTERNS), ("delete", (DELETE,)))
ADD_COMMAND = _compile(
    r"^(?:add|create|put|insert|jot\s+down|write\s+down|note\s+down|remind\s+me(?:\s+to)?|remember\s+to"
    r"|(?:make|new)(?=\s+(?:a\s+|an\s+)?(?:new\s+)?(?:task|todo|to-do|reminder|item))"
    r"|don't\s+(?:let\s+me\s+)?forget\s+to|i\s+(?:need|have|want)\s+to\s+remember\s+to|i\s+(?:need|have|ought)\s+to"
    r"|i\s+(?:must|should|gotta)|i(?:'ve)?\s+got\s+to)\b\s*(?P<rest>.*)$"
)
ADD_PREAMBLE = _compile(
    r"^(?:(?:a|an|another|one\s+more|the)\s+)?(?:new\s+)?(?:(?:task|todo|to-do|item|reminder|entry|note)s?\b)?\s*"
    r"(?:(?:to|on|in|onto)\s+(?:my|the)\s+(?:(?:todo|to-do|task)\s+)?list\b)?\s*"
    r"(?:(?:called|named|titled|saying|that\s+says|to|for|about)\b|[:\-])?\s*"
)
DESCRIPTION_SPLIT = _compile(
    r"^(?P<title>.+?)(?:\s+with\s+(?:a\s+|the\s+)?(?:description|details|notes?)(?:\s+of|\s*:)?"
    r"|\s*[-,;(]?\s*(?:description|details|notes?)\s*:)\s*(?P<description>.+?)\s*\)?$"
)
TITLE_TRAILER = _compile(r"\s+(?:(?:to|on|in|onto)\s+(?:my|the)\s+(?:(?:todo|to-do|task)\s+)?list|for\s+me)$")
QUOTED = _compile(r"\"(?P<double>[^\"]+)\"", r"(?:^|(?<=\s))'(?P<single>[^']+)'(?=$|[\s.,;:!?)])")
CHOICE = _compile(
    r"^(?:i\s+meant?\s+)?(?:the\s+)?(?:(?P<ordinal>first|1st|second|2nd|third|3rd|fourth|4th|last)(?:\s+(?:one|task))?"
    r"|(?P<marker>task\s+|number\s+|no\s+)?(?P<number>\d+))$"
)
SMALL_TALK = ((GREETING, GREETING_REPLY), (THANKS, THANKS_REPLY), (HELP, HELP_REPLY), (CANCEL, CANCEL_REPLY))
TASK_NOT_FOUND = _compile(r"^Task (?P<number>-?\d+) not found")
TOKEN = re.compile(r"[a-z]+|\d+")


@dataclass(frozen=True)
class Intent:
    """What the user asked for. A direct answer (greeting, help, unclear) carries its `reply`."""

    action: str  # add, list, complete, delete, update, reply or unclear
    reply: str = ""
    title: str | None = None
    description: str | None = None
    status: str = "all"
    numbers: tuple[int, ...] = ()
    words: tuple[str, ...] = ()


def _simple(text: str) -> str:
    """Lowercase words only, for matching whole sentences: "What's left?!" -> "what's left"."""
    return " ".join(re.sub(r"[^a-z0-9'\s]", " ", text.lower()).split())


def _strip_politeness(text: str) -> str:
    text = TRAILING_NOISE.sub("", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').strip())
    while (stripped := POLITE_PREFIX.sub("", text, count=1)) and stripped != text:
        text = stripped
    return text


def _words(text: str) -> list[str]:
    return [word for word in TOKEN.findall(text.lower()) if word not in STOP_WORDS]


def _clean_title(text: str) -> str:
    quoted = QUOTED.search(text)
    if quoted:
        text = quoted["double"] or quoted["single"]
    text = TITLE_TRAILER.sub("", text.strip()).strip(" \t\n\"'.,;:!?-")
    return text[:1].upper() + text[1:]


def _clean_description(text: str) -> str:
    return text.strip().strip("\"'").rstrip(" .,;:!?")


def _targeted(action: str, target: str, **fields: Any) -> Intent:
    """An action on one task, named by number ("task 3", "#3") or by words of its title."""
    tokens = TOKEN.findall(target.lower())
    if tokens and all(token.isdigit() or token in NUMBER_FILLERS for token in tokens) and any(map(str.isdigit, tokens)):
        return Intent(action, numbers=tuple(int(token) for token in tokens if token.isdigit()), **fields)
    words = tuple(_words(target))
    return Intent(action, words=words, **fields) if words else Intent("reply", reply=MISSING_TARGET_REPLY)


def _parse_list(text: str) -> Intent | None:
    simple = _simple(text)
    if not (BARE_LIST.match(simple) or (LIST_OPENING.match(simple) and LIST_SUBJECT.search(simple))):
        return None
    completed = "completed" if COMPLETED_STATUS.search(simple) else "all"
    return Intent("list", status="pending" if PENDING_STATUS.search(simple) else completed)


def _parse_update(text: str) -> Intent | None:
    if match := CLEAR_DESCRIPTION.match(text):
        return _targeted("update", match["target"], description="")
    for pattern in UPDATE_PATTERNS:
        if match := pattern.match(text):
            field = (match["field"] or match.groupdict().get("field_after") or "title").lower()
            if field in DESCRIPTION_FIELDS:
                return _targeted("update", match["target"], description=_clean_description(match["value"]))
            if _simple(match["value"]) in DONE_WORDS:
                return _targeted("complete", match["target"])
            return _targeted("update", match["target"], title=_clean_title(match["value"]))
    return None


def _parse_targeted(text: str) -> Intent | None:
    for action, patterns in TARGETED_PATTERNS:
        for pattern in patterns:
            if match := pattern.match(text):
                return _targeted(action, match["target"])
    return None


def _parse_add(text: str) -> Intent | None:
    match = ADD_COMMAND.match(text)
    if not match:
        return None
    rest = ADD_PREAMBLE.sub("", match["rest"], count=1)
    title, description = rest, None
    if split := DESCRIPTION_SPLIT.match(rest):
        title, description = split["title"], _clean_description(split["description"]) or None
    title = _clean_title(title)
    return Intent("add", title=title, description=description) if title else Intent("reply", reply=MISSING_TITLE_REPLY)


PARSERS = (_parse_list, _parse_update, _parse_targeted, _parse_add)


def parse(message: str) -> Intent:
    """Understand one message on its own, without the conversation around it."""
    text = _strip_politeness(message)
    for pattern, reply in SMALL_TALK:
        if pattern.match(_simple(message)) or pattern.match(_simple(text)):
            return Intent("reply", reply=reply)
    for parser in PARSERS:
        if intent := parser(text):
            return intent
    return Intent("unclear", reply=UNCLEAR_REPLY)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _contains(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[start : start + len(needle)] == needle for start in range(len(haystack) - len(needle) + 1))


def _match_score(query: list[str], title: str) -> tuple[int, int]:
    """(tier, shared words): exact title 4, whole phrase 3, all words 2, most words 1, no match 0."""
    title_words = [_stem(word) for word in _words(title)]
    overlap = len(set(query) & set(title_words))
    if not overlap:
        return (0, 0)
    if query == title_words:
        return (4, overlap)
    if _contains(title_words, query) or _contains(query, title_words):
        return (3, overlap)
    if set(query) <= set(title_words) or set(title_words) <= set(query):
        return (2, overlap)
    return (1, overlap) if overlap * 2 > len(set(query)) else (0, 0)


def best_matches(tasks: list[dict[str, Any]], words: tuple[str, ...], *, prefer_pending: bool = False) -> list[dict]:
    """The tasks whose titles match `words` best; several when they match equally well."""
    query = [_stem(word) for word in words]
    scored = [(_match_score(query, str(task.get("title", ""))), task) for task in tasks]
    best = max((score for score, _ in scored), default=(0, 0))
    matches = [task for score, task in scored if score == best and best[0] > 0]
    if prefer_pending:
        return [task for task in matches if not task.get("completed")] or matches
    return matches


def _content(message: ChatMessage) -> str:
    content = message.get("content")
    return content if isinstance(content, str) else ""


def _load_result(message: ChatMessage) -> dict[str, Any]:
    try:
        result = json.loads(_content(message))
    except json.JSONDecodeError:
        result = None
    return result if isinstance(result, dict) else {"success": False, "error": "The tool returned no result."}


def _last_index(messages: list[ChatMessage], role: str, before: int) -> int | None:
    return next((index for index in range(before - 1, -1, -1) if messages[index].get("role") == role), None)


def _listed_tasks(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    lists = [message for message in messages if message.get("role") == "tool" and message.get("name") == "list_tasks"]
    tasks = _load_result(lists[-1]).get("tasks") if lists else None
    return tasks if isinstance(tasks, list) else []


def _choose(answer: str, candidates: list[dict[str, Any]]) -> int | None:
    """The task number an answer to "Which one do you mean" picks, if it picks one."""
    numbers = [task.get("id") for task in candidates]
    match = CHOICE.match(_simple(answer))
    if match and match["ordinal"]:
        index = ORDINALS[match["ordinal"]]
        return numbers[index] if -len(numbers) <= index < len(numbers) else None
    if match:
        number = int(match["number"])
        if number in numbers or match["marker"] or not 1 <= number <= len(numbers):
            return number
        return numbers[number - 1]
    chosen = best_matches(candidates, tuple(_words(answer)))
    return chosen[0].get("id") if len(chosen) == 1 else None


def _follow_up(messages: list[ChatMessage], user_index: int) -> Intent | None:
    """Apply the action left pending by a "Which one do you mean" question to the task the user picked."""
    question_index = user_index - 1
    if question_index < 1 or not _content(messages[question_index]).startswith(QUESTION_PREFIX):
        return None
    asked_index = _last_index(messages, "user", before=question_index)
    if asked_index is None:
        return None
    pending = parse(_content(messages[asked_index]))
    tasks = _listed_tasks(messages[asked_index:question_index])
    candidates = best_matches(tasks, pending.words, prefer_pending=pending.action == "complete")
    number = _choose(_content(messages[user_index]), candidates) if pending.words else None
    return replace(pending, numbers=(number,), words=()) if number is not None else None


def _task_label(task: dict[str, Any]) -> str:
    return f'task {task.get("id")} "{task.get("title")}"'


def _format_list(tasks: list[dict[str, Any]], status: str) -> str:
    if not tasks:
        return EMPTY_LIST_REPLIES[status]
    lines = [
        f"{task.get('id')}. {task.get('title')}"
        + (" (done)" if task.get("completed") else "")
        + (f" - {task['description']}" if task.get("description") else "")
        for task in tasks
    ]
    return "\n".join([LIST_HEADINGS[status], *lines])


def _error_reply(error: str) -> str:
    if match := TASK_NOT_FOUND.match(error):
        return f"I couldn't find task {match['number']}. {SHOW_TASKS_HINT} their numbers."
    return f"Sorry, I couldn't do that: {error}"


def _describe(tool_name: str, result: dict[str, Any], intent: Intent) -> str:
    """The reply sentence for one tool result."""
    if not result.get("success"):
        return _error_reply(str(result.get("error", "")))
    if tool_name == "list_tasks":
        return _format_list(result.get("tasks") or [], intent.status)
    task = result.get("task") or {}
    if tool_name == "complete_task":
        return f"Marked {_task_label(task)} as completed."
    if tool_name == "delete_task":
        return f"Deleted {_task_label(task)}."
    details = f" (description: {task['description']})" if task.get("description") else ""
    if tool_name == "update_task":
        cleared = " (description cleared)" if intent.description == "" else ""
        return f'Updated task {task.get("id")}: "{task.get("title")}"{details if intent.description else cleared}.'
    return f'Added task {task.get("id")}: "{task.get("title")}"{details}.'


class OfflineModel:
    """A rule-based `ModelClient`: understands common phrasings and calls the todo tools."""

    backend = "offline"
    model = "offline"

    def complete(self, messages: list[ChatMessage], tools: list[dict[str, Any]]) -> AssistantMessage:
        user_index = _last_index(messages, "user", before=len(messages))
        if user_index is None:
            return AssistantMessage(content=HELP_REPLY, usage=Usage())
        intent = parse(_content(messages[user_index]))
        if intent.action == "unclear":  # "2" or "the first one" may answer a "Which one do you mean" question
            intent = _follow_up(messages, user_index) or intent
        results = self._latest_results(messages[user_index + 1 :])
        if not results:
            return self._first_step(intent, messages)
        tool_name, result = results[-1]
        if intent.words and tool_name == "list_tasks" and result.get("success"):
            return self._act_on_matches(intent, result.get("tasks") or [], messages)
        return AssistantMessage(content="\n".join(_describe(name, result, intent) for name, result in results))

    @staticmethod
    def _latest_results(turn: list[ChatMessage]) -> list[tuple[str, dict[str, Any]]]:
        """The results of the last batch of tool calls, if the turn ends with them."""
        tool_messages = takewhile(lambda message: message.get("role") == "tool", reversed(turn))
        return [(str(message.get("name", "")), _load_result(message)) for message in tool_messages][::-1]

    def _first_step(self, intent: Intent, messages: list[ChatMessage]) -> AssistantMessage:
        if intent.action == "add":
            return self._call([("add_task", {"title": intent.title, "description": intent.description})])
        if intent.action == "list":
            return self._call([("list_tasks", {"status": intent.status})])
        if intent.action in TOOL_FOR_ACTION:  # named by words: find the task's number first
            calls = [self._action_call(intent, number) for number in intent.numbers]
            return self._call(calls or [("list_tasks", {"status": "all"})])
        return AssistantMessage(content=intent.reply or UNCLEAR_REPLY)

    def _act_on_matches(self, intent: Intent, tasks: list[dict], messages: list[ChatMessage]) -> AssistantMessage:
        candidates = best_matches(tasks, intent.words, prefer_pending=intent.action == "complete")
        if len(candidates) == 1:
            return self._call([self._action_call(intent, candidates[0].get("id"))])
        if candidates:
            labels = [_task_label(task) for task in candidates]
            return AssistantMessage(content=f"{QUESTION_PREFIX}{', '.join(labels[:-1])} or {labels[-1]}?")
        phrase = " ".join(intent.words)
        return AssistantMessage(content=f'I couldn\'t find a task matching "{phrase}". {SHOW_TASKS_HINT} them all.')

    @staticmethod
    def _action_call(intent: Intent, number: Any) -> tuple[str, dict[str, Any]]:
        if intent.action == "update":
            return "update_task", {"task_id": number, "title": intent.title, "description": intent.description}
        return TOOL_FOR_ACTION[intent.action], {"task_id": number}

    @staticmethod
    def _call(calls: list[tuple[str, dict[str, Any]]]) -> AssistantMessage:
        # Random ids: unique across the whole conversation, as a provider's are.
        tool_calls = tuple(
            ToolCall(id=f"offline_{uuid.uuid4().hex}", name=name, arguments=json.dumps(arguments))
            for name, arguments in calls
        )
        return AssistantMessage(tool_calls=tool_calls, usage=Usage())
