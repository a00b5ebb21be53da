"""Scenario files: read, validated, and parsed into `Scenario`s of `Step`s."""

import json
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar, get_args

from todos.models import Priority

STEP_KEYS = frozenset({"say", "tools", "state", "reply_has", "reply_lacks", "reply_any"})
TASK_KEYS = frozenset({"title", "description", "completed", "due_date", "due_time", "priority", "repeats"})
PRIORITY_VALUES = frozenset(get_args(Priority))
_HH_MM = re.compile(r"^\d{2}:\d{2}$")
_M = TypeVar("_M", date, time)
_YYYY_MM_DD = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Unchecked:
    """The value of a planning expectation the file did not state (JSON null is a value there)."""

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED = Unchecked()


class ScenarioFileError(Exception):
    """A scenario file that cannot be used; the message says where and what is wrong."""


@dataclass(frozen=True)
class TaskExpectation:
    """What a step expects of one existing task; `None` fields are not checked."""

    title: str | None = None
    description: str | None = None
    completed: bool | None = None
    # The planning fields; a key absent from the file is not checked (`UNCHECKED`), while a
    # JSON null for `due_date`/`due_time` means "must have none".
    due_date: date | None | Unchecked = UNCHECKED
    due_time: time | None | Unchecked = UNCHECKED
    priority: str | None = None
    repeats: bool | None = None

    def checks(self, key: str) -> bool:
        return not isinstance(getattr(self, key), Unchecked)


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
    # The local wall-clock date-time every step runs at (the file's "now"), in `time_zone`,
    # which is also the scenario user's zone; None: the real clock.
    now: datetime | None = None
    time_zone: str = "UTC"

    @property
    def frozen_at(self) -> datetime | None:
        """`now` as an aware instant in the scenario's zone."""
        return None if self.now is None else self.now.replace(tzinfo=zoneinfo.ZoneInfo(self.time_zone))


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
    now = _parse_now(data.get("now"), where=source)
    return [
        _parse_scenario(raw, source=source, where=f"{source}: scenario {number}", now=now)
        for number, raw in enumerate(scenarios, 1)
    ]


def _parse_now(raw: Any, *, where: str) -> datetime | None:
    if raw is None:
        return None
    try:
        if not isinstance(raw, str):
            raise ValueError
        now = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ScenarioFileError(f'{where}: "now" must be a local date-time "YYYY-MM-DDTHH:MM".') from None
    return now


def _parse_time_zone(raw: Any, *, where: str) -> str:
    if raw is None:
        return "UTC"
    try:
        if not isinstance(raw, str) or not raw:
            raise ValueError
        zoneinfo.ZoneInfo(raw)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ScenarioFileError(f'{where}: "time_zone" must be an IANA zone name such as "Europe/London".') from None
    return raw


def _parse_scenario(raw: Any, *, source: str, where: str, now: datetime | None = None) -> Scenario:
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
        now=now,
        time_zone=_parse_time_zone(raw.get("time_zone"), where=where),
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
        state[int(key)] = _parse_task(expected, where=task_where)
    return state


def _parse_task(expected: dict[str, Any], *, where: str) -> TaskExpectation:
    for text_key in ("title", "description"):
        if text_key in expected and not isinstance(expected[text_key], str):
            raise ScenarioFileError(f'{where}: "{text_key}" must be a string.')
    for flag in ("completed", "repeats"):
        if flag in expected and not isinstance(expected[flag], bool):
            raise ScenarioFileError(f'{where}: "{flag}" must be true or false.')
    if "priority" in expected and expected["priority"] not in PRIORITY_VALUES:
        raise ScenarioFileError(f'{where}: "priority" must be one of {_names(PRIORITY_VALUES)}.')
    return TaskExpectation(
        title=expected.get("title"),
        description=expected.get("description"),
        completed=expected.get("completed"),
        due_date=_parse_moment(expected, key="due_date", pattern=_YYYY_MM_DD, where=where, parse=date.fromisoformat),
        due_time=_parse_moment(expected, key="due_time", pattern=_HH_MM, where=where, parse=time.fromisoformat),
        priority=expected.get("priority"),
        repeats=expected.get("repeats"),
    )


def _parse_moment(
    expected: dict[str, Any], *, key: str, pattern: re.Pattern[str], where: str, parse: Callable[[str], _M]
) -> _M | None | Unchecked:
    """A `due_date` ("YYYY-MM-DD") or `due_time` ("HH:MM") expectation: absent, null or a value."""
    if key not in expected:
        return UNCHECKED
    raw = expected[key]
    if raw is None:
        return None
    form = "YYYY-MM-DD" if key == "due_date" else "HH:MM"
    try:
        if not isinstance(raw, str) or not pattern.match(raw):
            raise ValueError
        return parse(raw)
    except ValueError:
        raise ScenarioFileError(f'{where}: "{key}" must be "{form}" or null.') from None


def _names(keys: Iterable[str]) -> str:
    return ", ".join(sorted(keys))
