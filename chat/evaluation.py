"""Scoring the agent on scenario files (the format of `../shared/agent-eval/README.md`).

Three parts, kept apart so each can be tested on its own:

- *load*: `load_scenarios` reads a file and validates it into `Scenario`s, or raises a
  `ScenarioFileError` that names the file, scenario and step at fault;
- *check*: `check_step` compares one turn's outcome and the user's tasks after it with a step's
  expectations and returns the reasons it fails (none: it passes). It touches no database;
- *run*: `run_scenario` plays a scenario's steps as turns of one conversation of a fresh user,
  through whatever turn function it is given, and deletes that user afterwards.

Reply checks (`reply_has`, `reply_lacks`, `reply_any`) are all case-insensitive: the README says
so for `reply_has`, and a reply that starts a sentence with a word must not pass `reply_lacks`
for the lowercase spelling of that word.
"""

import json
import math
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from accounts.models import User
from chat.agent.messages import AssistantMessage, ChatMessage, ToolRun, ToolSchema, describe_run, parse_result
from chat.agent.model import ModelClient
from config.errors import DomainError
from todos.selectors import tasks_for

# The tools that change data: with `"tools": []` none of them may succeed in the turn.
MUTATING_TOOLS = frozenset({"add_task", "complete_task", "reopen_task", "delete_task", "update_task", "undo_last_turn"})
STEP_KEYS = frozenset({"say", "tools", "state", "reply_has", "reply_lacks", "reply_any"})
TASK_KEYS = frozenset({"title", "description", "completed"})
# Shown of a reply or of tool arguments in a failure line, so one runaway reply stays readable.
SHOWN_CHARS = 300


class ScenarioFileError(Exception):
    """A scenario file that cannot be used; the message says where and what is wrong."""


@dataclass(frozen=True)
class TaskExpectation:
    """What a step expects of one existing task; `None` fields are not checked."""

    title: str | None = None
    description: str | None = None
    completed: bool | None = None


@dataclass(frozen=True)
class Step:
    say: str
    # None: the key was absent and tool calls are not checked; () means "no change may succeed".
    tools: tuple[str, ...] | None = None
    # Task number -> expectation, or None when the task must not exist.
    state: Mapping[int, TaskExpectation | None] = field(default_factory=dict)
    reply_has: tuple[str, ...] = ()
    reply_lacks: tuple[str, ...] = ()
    reply_any: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str  # the file it came from, for messages
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class StoredTask:
    """A task as the checks see it: what the database holds after the turn."""

    title: str
    description: str
    completed: bool


@dataclass(frozen=True)
class TurnOutcome:
    """What one message produced: the reply and tool calls, or the error that ended the turn."""

    reply: str = ""
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    error: str | None = None
    agent_ms: float = 0.0  # time spent inside the model client's `complete()` calls


@dataclass(frozen=True)
class StepResult:
    index: int  # 1-based, as shown to people
    step: Step
    outcome: TurnOutcome
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    steps: tuple[StepResult, ...]

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)


@dataclass(frozen=True)
class Summary:
    passed: int
    total: int
    median_ms: float
    p95_ms: float

    @property
    def score(self) -> float:
        return self.passed / self.total if self.total else 0.0


# --- load ------------------------------------------------------------------------------------


def load_scenarios(*, path: Path) -> list[Scenario]:
    """The scenarios of one file, validated; `ScenarioFileError` names what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioFileError(f"{path}: cannot read the file ({error}).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioFileError(
            f"{path}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    return parse_scenarios(data=data, source=str(path))


def parse_scenarios(*, data: Any, source: str) -> list[Scenario]:
    """Validate decoded JSON into scenarios.

    Unknown keys are errors in a step and in a task's expectations, where a misspelt key would
    silently drop a check; at the file and scenario level they are ignored (room for metadata).
    The check keys of a step are optional: an absent one is not checked.
    """
    if not isinstance(data, dict) or "scenarios" not in data:
        raise ScenarioFileError(f'{source}: expected an object with a "scenarios" list.')
    scenarios = data["scenarios"]
    if not isinstance(scenarios, list) or not scenarios:
        raise ScenarioFileError(f'{source}: "scenarios" must be a non-empty list.')
    return [
        _parse_scenario(raw, source=source, where=f"{source}: scenario {number}")
        for number, raw in enumerate(scenarios, 1)
    ]


def _parse_scenario(raw: Any, *, source: str, where: str) -> Scenario:
    if not isinstance(raw, dict):
        raise ScenarioFileError(f"{where}: must be an object.")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioFileError(f'{where}: "name" must be a non-empty string.')
    where = f"{where} ({name!r})"
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ScenarioFileError(f'{where}: "steps" must be a non-empty list.')
    return Scenario(
        name=name,
        source=source,
        steps=tuple(_parse_step(step, where=f"{where}, step {number}") for number, step in enumerate(steps, 1)),
    )


def _parse_step(raw: Any, *, where: str) -> Step:
    if not isinstance(raw, dict):
        raise ScenarioFileError(f"{where}: must be an object.")
    unknown = sorted(set(raw) - STEP_KEYS)
    if unknown:
        raise ScenarioFileError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; known: {_names(STEP_KEYS)}.")
    say = raw.get("say")
    if not isinstance(say, str) or not say:
        raise ScenarioFileError(f'{where}: "say" must be a non-empty string.')
    tools = raw.get("tools")
    return Step(
        say=say,
        tools=None if tools is None else _strings(tools, key="tools", where=where),
        state=_parse_state(raw.get("state"), where=where),
        reply_has=_strings(raw.get("reply_has", []), key="reply_has", where=where),
        reply_lacks=_strings(raw.get("reply_lacks", []), key="reply_lacks", where=where),
        reply_any=_strings(raw.get("reply_any", []), key="reply_any", where=where),
    )


def _strings(value: Any, *, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ScenarioFileError(f'{where}: "{key}" must be a list of non-empty strings.')
    return tuple(value)


def _parse_state(raw: Any, *, where: str) -> dict[int, TaskExpectation | None]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScenarioFileError(f'{where}: "state" must be an object of task number -> expectation or null.')
    state: dict[int, TaskExpectation | None] = {}
    for key, expected in raw.items():
        if not (key.isascii() and key.isdigit()) or int(key) < 1:
            raise ScenarioFileError(f'{where}: "state" key {key!r} is not a task number (1, 2, 3 ...).')
        task_where = f'{where}, "state" of task {key}'
        if expected is None:
            state[int(key)] = None
            continue
        if not isinstance(expected, dict):
            raise ScenarioFileError(f"{task_where}: must be an object or null.")
        unknown = sorted(set(expected) - TASK_KEYS)
        if unknown:
            raise ScenarioFileError(
                f"{task_where}: unknown key(s) {', '.join(map(repr, unknown))}; known: {_names(TASK_KEYS)}."
            )
        for text_key in ("title", "description"):
            if text_key in expected and not isinstance(expected[text_key], str):
                raise ScenarioFileError(f'{task_where}: "{text_key}" must be a string.')
        if "completed" in expected and not isinstance(expected["completed"], bool):
            raise ScenarioFileError(f'{task_where}: "completed" must be true or false.')
        state[int(key)] = TaskExpectation(
            title=expected.get("title"), description=expected.get("description"), completed=expected.get("completed")
        )
    return state


def _names(keys: Iterable[str]) -> str:
    return ", ".join(sorted(keys))


# --- check -----------------------------------------------------------------------------------


def check_step(*, step: Step, outcome: TurnOutcome, tasks: Mapping[int, StoredTask]) -> list[str]:
    """Why the step fails (an empty list when it passes). `tasks`: the user's tasks by number."""
    failures: list[str] = []
    if outcome.error is not None:
        failures.append(f"the turn failed: {outcome.error}")
    else:
        failures += _check_tools(step=step, tool_calls=outcome.tool_calls)
    failures += _check_state(step=step, tasks=tasks)
    if outcome.error is None:
        failures += _check_reply(step=step, reply=outcome.reply)
    return failures


def _check_tools(*, step: Step, tool_calls: Sequence[Mapping[str, Any]]) -> list[str]:
    if step.tools is None:
        return []
    called = [str(call.get("tool_name")) for call in tool_calls]
    if not step.tools:
        changed = [
            call["tool_name"] for call in tool_calls if call.get("tool_name") in MUTATING_TOOLS and _succeeded(call)
        ]
        return [f"expected no change, but {name} succeeded" for name in changed]
    shown = ", ".join(called) or "none"
    return [f"expected a call to {name}; called: {shown}" for name in step.tools if name not in called]


def _succeeded(call: Mapping[str, Any]) -> bool:
    result = call.get("result")
    return isinstance(result, Mapping) and result.get("success") is True


def _check_state(*, step: Step, tasks: Mapping[int, StoredTask]) -> list[str]:
    failures: list[str] = []
    for number, expected in step.state.items():
        task = tasks.get(number)
        if expected is None:
            if task is not None:
                failures.append(f"task {number} should not exist, but it does: {_shown(task.title)}")
            continue
        if task is None:
            failures.append(f"task {number} does not exist (expected {_describe(expected)})")
            continue
        if expected.title is not None and expected.title.lower() not in task.title.lower():
            failures.append(f"task {number} title {_shown(task.title)} does not contain {expected.title!r}")
        if expected.description is not None and expected.description.lower() not in task.description.lower():
            failures.append(
                f"task {number} description {_shown(task.description)} does not contain {expected.description!r}"
            )
        if expected.completed is not None and expected.completed != task.completed:
            failures.append(f"task {number} should be {_status(expected.completed)} but is {_status(task.completed)}")
    return failures


def _describe(expected: TaskExpectation) -> str:
    parts = [
        f"{key} containing {value!r}"
        for key, value in (("title", expected.title), ("description", expected.description))
        if value is not None
    ]
    if expected.completed is not None:
        parts.append(_status(expected.completed))
    return ", ".join(parts) or "it to exist"


def _status(completed: bool) -> str:
    return "completed" if completed else "pending"


def _check_reply(*, step: Step, reply: str) -> list[str]:
    text = reply.lower()
    failures = [f"reply lacks {wanted!r}" for wanted in step.reply_has if wanted.lower() not in text]
    failures += [f"reply contains {unwanted!r}" for unwanted in step.reply_lacks if unwanted.lower() in text]
    if step.reply_any and not any(wanted.lower() in text for wanted in step.reply_any):
        failures.append(f"reply contains none of {', '.join(map(repr, step.reply_any))}")
    return failures


def _shown(text: str) -> str:
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…")


# --- run -------------------------------------------------------------------------------------


class TimedModel:
    """A `ModelClient` that adds up the time spent in the wrapped client's `stream()`.

    This is "the agent's time" the evaluation reports: the model's own work, without the
    database work of the turn around it. Other attributes are the wrapped client's.
    """

    def __init__(self, model: ModelClient) -> None:
        self._model = model
        self.backend = model.backend
        self.model = model.model
        self._seconds = 0.0

    async def stream(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSchema]
    ) -> AsyncIterator[str | AssistantMessage]:
        parts = self._model.stream(messages, tools)
        while True:
            started = time.perf_counter()
            try:
                part = await anext(parts)
            except StopAsyncIteration:
                return
            finally:
                self._seconds += time.perf_counter() - started
            yield part

    @property
    def longest_step(self) -> timedelta:
        return self._model.longest_step

    def take_ms(self) -> float:
        """The time spent in `stream()` since the last call, in milliseconds."""
        seconds, self._seconds = self._seconds, 0.0
        return seconds * 1000

    def __getattr__(self, name: str) -> Any:
        if name == "_model":  # not set yet (copy, pickle): do not recurse
            raise AttributeError(name)
        return getattr(self._model, name)


class TurnLike(Protocol):
    """What the evaluation reads of a chat turn (the command gives it from a `TurnResult`)."""

    @property
    def conversation_id(self) -> uuid.UUID: ...

    @property
    def reply(self) -> str: ...

    @property
    def tool_calls(self) -> list[dict[str, Any]]: ...


class TurnFunction(Protocol):
    """The turn service, with the model to use."""

    def __call__(
        self, *, owner: User, message: str, conversation_id: uuid.UUID | None, model: ModelClient
    ) -> TurnLike: ...


def run_scenario(
    *,
    scenario: Scenario,
    model: TimedModel,
    run_turn: TurnFunction,
    on_step: Callable[[StepResult], None] | None = None,
) -> ScenarioResult:
    """Play the scenario as one conversation of a fresh user, deleted afterwards (with its
    tasks and conversations, by cascade) whatever happens. A `DomainError` from a turn (the
    model provider failed) fails that step, and the scenario goes on."""
    user = User.objects.create_user(username=f"agent-eval-{uuid.uuid4().hex}", password=None)
    results: list[StepResult] = []
    try:
        conversation_id: uuid.UUID | None = None
        for index, step in enumerate(scenario.steps, 1):
            model.take_ms()
            try:
                turn = run_turn(owner=user, message=step.say, conversation_id=conversation_id, model=model)
            except DomainError as error:
                outcome = TurnOutcome(error=_error_text(error), agent_ms=model.take_ms())
                conversation_id = _conversation_of(error) or conversation_id
            else:
                conversation_id = turn.conversation_id
                outcome = TurnOutcome(reply=turn.reply, tool_calls=tuple(turn.tool_calls), agent_ms=model.take_ms())
            failures = check_step(step=step, outcome=outcome, tasks=stored_tasks(owner=user))
            result = StepResult(index=index, step=step, outcome=outcome, failures=tuple(failures))
            results.append(result)
            if on_step is not None:
                on_step(result)
    finally:
        user.delete()
    return ScenarioResult(scenario=scenario, steps=tuple(results))


def stored_tasks(*, owner: User) -> dict[int, StoredTask]:
    return {
        task.number: StoredTask(title=task.title, description=task.description, completed=task.completed)
        for task in tasks_for(owner=owner)
    }


def _error_text(error: DomainError) -> str:
    detail = error.detail.get("detail", error.detail) if isinstance(error.detail, dict) else error.detail
    return f"{error.code}: {detail}"


def _conversation_of(error: DomainError) -> uuid.UUID | None:
    """The conversation a failed turn was stored in, which the turn service names in the
    error's body (for the API client to retry into it)."""
    try:
        return uuid.UUID(str(error.body()["conversation_id"]))
    except (KeyError, ValueError):
        return None


def summarize(*, results: Sequence[ScenarioResult]) -> Summary:
    steps = [step for result in results for step in result.steps]
    times = sorted(step.outcome.agent_ms for step in steps)
    return Summary(
        passed=sum(step.passed for step in steps),
        total=len(steps),
        median_ms=statistics.median(times) if times else 0.0,
        p95_ms=percentile(times, 95),
    )


def percentile(values: Sequence[float], rank: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `rank`% of values <= it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def format_tool_call(call: Mapping[str, Any]) -> str:
    """`add_task(title="Buy milk") -> Added task 1 "Buy milk"`, or `-> failed: ...`."""
    return describe_run(
        ToolRun(str(call.get("tool_name")), call.get("arguments") or {}, parse_result(call.get("result")))
    )


def format_reply(reply: str) -> str:
    return _shown(reply)
