"""Running a scenario: its steps as turns of one conversation of a fresh user, through the turn
service, each judged as it ends, with the time spent inside the model client measured."""

import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import time_machine
from asgiref.sync import async_to_sync

from accounts.models import User
from chat.agent.messages import AssistantMessage, ChatMessage, ToolRun, ToolSchema, TurnResult
from chat.agent.model import ModelClient
from chat.evaluation.checks import StoredTask, TurnOutcome, check_step
from chat.evaluation.reset import reset_to_expected
from chat.evaluation.scenarios import Scenario, Step
from chat.services import turn_events
from chat.turns import collect
from config.errors import DeclaredError
from todos.selectors import tasks_for


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
    """What the evaluation reads of a chat turn (`run_turn` gives it from a `TurnResult`)."""

    @property
    def conversation_id(self) -> uuid.UUID: ...

    @property
    def reply(self) -> str: ...

    @property
    def tool_runs(self) -> Sequence[ToolRun]: ...


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
    reset_after_miss: bool = False,
) -> ScenarioResult:
    """Play the scenario as one conversation of a fresh user, deleted afterwards (with its
    tasks and conversations, by cascade) whatever happens. A declared error from a turn (the
    model provider failed) fails that step, and the scenario goes on. With `reset_after_miss`,
    a missed step's expected tasks are put in place before the next (each message counts alone).
    A scenario with a `now` runs each step with the clock at that local time in its zone (the
    user's zone too), ticking from there."""
    user = User.objects.create_user(
        username=f"agent-eval-{uuid.uuid4().hex}", password=None, time_zone=scenario.time_zone
    )
    results: list[StepResult] = []
    try:
        conversation_id: uuid.UUID | None = None
        for index, step in enumerate(scenario.steps, 1):
            model.take_ms()
            try:
                with _clock(scenario):
                    turn = run_turn(owner=user, message=step.say, conversation_id=conversation_id, model=model)
            except DeclaredError as error:
                outcome = TurnOutcome(error=_error_text(error), agent_ms=model.take_ms())
                conversation_id = _conversation_of(error) or conversation_id
            else:
                conversation_id = turn.conversation_id
                outcome = TurnOutcome(reply=turn.reply, tool_runs=tuple(turn.tool_runs), agent_ms=model.take_ms())
            with _clock(scenario):
                failures = check_step(step=step, outcome=outcome, tasks=stored_tasks(owner=user))
            result = StepResult(index=index, step=step, outcome=outcome, failures=tuple(failures))
            results.append(result)
            if reset_after_miss and failures:
                reset_to_expected(owner=user, step=step)
            if on_step is not None:
                on_step(result)
    finally:
        user.delete()
    return ScenarioResult(scenario=scenario, steps=tuple(results))


def _clock(scenario: Scenario) -> AbstractContextManager[object]:
    """The scenario's frozen "now" (ticking from it, so records keep their order), or the real clock."""
    frozen_at = scenario.frozen_at
    return nullcontext() if frozen_at is None else time_machine.travel(frozen_at, tick=True)


def stored_tasks(*, owner: User) -> dict[int, StoredTask]:
    return {
        task.number: StoredTask(
            title=task.title,
            description=task.description,
            completed=task.completed,
            due_date=task.due_date,
            due_time=task.due_time,
            priority=task.priority,
            repeats=bool(task.recurrence),
        )
        for task in tasks_for(owner=owner)
    }


def _error_text(error: DeclaredError) -> str:
    detail = error.detail.get("detail", error.detail) if isinstance(error.detail, dict) else error.detail
    return f"{error.code}: {detail}"


def _conversation_of(error: DeclaredError) -> uuid.UUID | None:
    """The conversation a failed turn was stored in, which the turn service names in the
    error's body (for the API client to retry into it)."""
    try:
        return uuid.UUID(str(error.body()["conversation_id"]))
    except (KeyError, ValueError):
        return None


def run_turn(*, owner: User, message: str, conversation_id: uuid.UUID | None, model: ModelClient) -> TurnResult:
    """One turn through the chat service (the one the chat API runs), to its end."""
    events = turn_events(owner=owner, message=message, conversation_id=conversation_id, model=model)
    return async_to_sync(collect)(events)
