"""Scenario files: read, validated, and parsed into `Scenario`s of `Step`s."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STEP_KEYS = frozenset({"say", "tools", "state", "reply_has", "reply_lacks", "reply_any"})
TASK_KEYS = frozenset({"title", "description", "completed"})


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
