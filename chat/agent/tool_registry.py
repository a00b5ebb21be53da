"""How a tool is declared: a typed, documented function becomes a tool the model can call.

A tool is a plain function with keyword-only arguments, registered with `ToolRegistry.tool`:

    @registry.tool
    def complete_task(*, user: User, task_id: int) -> ToolResult:
        \"\"\"Mark one of the user's tasks as completed.

        Args:
            task_id: The task's number.
        \"\"\"

Everything the model sees is generated from it: the name is the function's name, the
description the docstring's first paragraph, and each argument's JSON schema comes from its
type hint and its line in the `Args:` section. The schema is OpenAI's strict form: every
argument required, optional ones nullable (`str | None` becomes `["string", "null"]`), no
other properties. Supported types: `str`, `int`, `Literal` of strings and `list[int]`, each
optionally `| None`; `Annotated[str, Length(...)]` adds a length limit to the argument's
description (strict schemas take no `maxLength`), `Annotated[list[int], Length(...)]` a limit
on how many items. A declaration the generator cannot turn into a schema fails at import, not
at the first call.

What MCP clients read besides (`chat.mcp.tools`) is declared with the tool too:
`@registry.tool(title="Delete tasks", destructive=True, idempotent=True, result="batch")`
stores a `ToolHints` on the `Tool`; a bare `@registry.tool` takes the defaults (a title made
from the name; it may change data, not destructively, not idempotently; one task's result).

`user` is the binding, never an argument: it is left out of the schema and `Toolbox` passes
the user it was built for, so the model cannot choose whose data a tool touches. Arguments the
function does not declare (a `user_id`, say) are ignored. A tool may also take `turn`, the
turn it runs in (what records its changes, and what an undo is relative to): bound the same
way, never in the schema.

The tool layer only makes the model's arguments fit the declared types (a number sent as "3"
or "#3" becomes 3; a null or missing argument takes the parameter's default). Checking values
(an empty title, an unknown status) is the service's job; its `DomainError` becomes a failed
result with the error's `code`. A tool returns a typed `ToolResult`
(`chat.agent.messages`), and a call never raises into the loop: every failure is a
`ToolFailure` with its code, which the model reads and can recover from.
"""

import inspect
import logging
import re
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints, overload

from django.db import InterfaceError, OperationalError

from accounts.models import User
from chat.agent.messages import (
    InvalidArguments,
    ToolArguments,
    ToolCall,
    ToolFailure,
    ToolResult,
    ToolRun,
    ToolSchema,
    parse_arguments,
)
from chat.errors import INVALID_ARGUMENTS, TOOL_FAILED, UNKNOWN_TOOL
from config.errors import DomainError

ToolFunction = Callable[..., ToolResult]
# A JSON schema (of one argument, of a tool's input or its result).
Schema = dict[str, Any]

logger = logging.getLogger(__name__)


# What a tool may take besides its arguments: `user` always, `turn` when it needs it.
BOUND_ARGUMENTS = ("user", "turn")

# Models sometimes send a number as text ("3", "#3"); ASCII digits only ("²" is a digit to str.isdigit).
NUMBER_TEXT = re.compile(r"#?(\d{1,10})", re.ASCII)


@dataclass(frozen=True)
class Length:
    """A text argument's length limit, for the model to read. The service enforces it."""

    min: int | None = None
    max: int | None = None

    def text(self, unit: str = "characters") -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min} to {self.max} {unit}"
        if self.max is not None:
            return f"at most {self.max} {unit}"
        return f"at least {self.min} {unit}"


# The shapes a tool's result has (`chat.agent.messages.result_json`), for the MCP output schema.
ResultShape = Literal["task", "page", "undo", "batch"]


@dataclass(frozen=True)
class ToolHints:
    """What a client may know of a tool before calling it (MCP's title and behaviour hints) and
    the shape of its result."""

    title: str
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    result: ResultShape = "task"


@dataclass(frozen=True)
class Argument:
    name: str
    schema: Schema
    coerce: Callable[[object], object]
    default: object  # inspect.Parameter.empty when the argument has none
    nullable: bool

    def value(self, arguments: ToolArguments) -> object:
        value = arguments.get(self.name)
        if value is None:
            if self.default is not inspect.Parameter.empty:
                return self.default
            if self.nullable:
                return None
            raise InvalidArguments(f"{self.name} is required.")
        return self.coerce(value)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    function: ToolFunction
    arguments: tuple[Argument, ...]
    takes_turn: bool = False
    hints: ToolHints = ToolHints(title="")

    @property
    def schema(self) -> ToolSchema:
        properties = {argument.name: argument.schema for argument in self.arguments}
        parameters = {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
        return ToolSchema(name=self.name, description=self.description, parameters=parameters)

    def call(self, *, user: User, arguments: ToolArguments, turn: object = None) -> ToolResult:
        values = {argument.name: argument.value(arguments) for argument in self.arguments}
        if self.takes_turn:
            values["turn"] = turn
        return self.function(user=user, **values)


def _no_task(error: DomainError) -> int | None:
    return None


@dataclass
class ToolRegistry:
    """A set of tools. `error_task` names the task a `DomainError` is about, for its failure
    (the number of a task that was not found, say)."""

    error_task: Callable[[DomainError], int | None] = _no_task
    _tools: dict[str, Tool] = field(default_factory=dict)

    @overload
    def tool(self, function: ToolFunction) -> ToolFunction: ...

    @overload
    def tool(
        self,
        *,
        title: str | None = None,
        read_only: bool = False,
        destructive: bool = False,
        idempotent: bool = False,
        result: ResultShape = "task",
    ) -> Callable[[ToolFunction], ToolFunction]: ...

    def tool(
        self,
        function: ToolFunction | None = None,
        *,
        title: str | None = None,
        read_only: bool = False,
        destructive: bool = False,
        idempotent: bool = False,
        result: ResultShape = "task",
    ) -> ToolFunction | Callable[[ToolFunction], ToolFunction]:
        """Register `function` as a tool (it stays callable as it was), with its hints for clients:
        `@registry.tool` or `@registry.tool(title=..., read_only=..., ...)`."""

        def register(function: ToolFunction) -> ToolFunction:
            name = function.__name__
            hints = ToolHints(
                title=title or name.replace("_", " ").capitalize(),
                read_only=read_only,
                destructive=destructive,
                idempotent=idempotent,
                result=result,
            )
            tool = _declare(function, hints)
            if tool.name in self._tools:
                raise TypeError(f"A tool named {tool.name!r} is already registered.")
            self._tools[tool.name] = tool
            return function

        return register if function is None else register(function)

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    @property
    def schemas(self) -> list[ToolSchema]:
        return [tool.schema for tool in self]


def tool_names(schemas: Iterable[ToolSchema]) -> frozenset[str]:
    """The names of the tools `schemas` declare."""
    return frozenset(schema.name for schema in schemas)


class Toolbox:
    """A registry's tools, bound to one user (and to the turn they run in, for tools taking `turn`)."""

    def __init__(self, registry: ToolRegistry, user: User, turn: object = None) -> None:
        self.registry = registry
        self.user = user
        self.turn = turn
        self.schemas = registry.schemas

    def run(self, call: ToolCall) -> ToolRun:
        """Run one tool call: what it took and what it answered. Never raises."""
        try:
            arguments = parse_arguments(call.arguments_json)
        except InvalidArguments as error:
            return ToolRun(call.name, {}, ToolFailure(str(error), INVALID_ARGUMENTS))
        return ToolRun(call.name, arguments, self._result(call.name, arguments))

    def _result(self, name: str, arguments: ToolArguments) -> ToolResult:
        tool = self.registry.get(name)
        if tool is None:
            known = ", ".join(sorted(self.registry.names))
            return ToolFailure(f"Unknown tool '{name}'. Available tools: {known}.", UNKNOWN_TOOL)
        try:
            return tool.call(user=self.user, arguments=arguments, turn=self.turn)
        except (OperationalError, InterfaceError):
            # The database is unreachable: the step that runs this tool cannot be stored, so
            # it must fail as a whole (its transaction rolls back what the tool did).
            raise
        except InvalidArguments as error:
            return ToolFailure(str(error), INVALID_ARGUMENTS)
        except DomainError as error:
            return ToolFailure(error_text(error), error.code, self.registry.error_task(error))
        except Exception:
            # A bug or a database failure: the model hears that the tool failed, the turn and
            # everything it already did are still stored, and the traceback goes to the log.
            logger.exception("tool %s failed", name)
            return ToolFailure(f"The tool '{name}' failed unexpectedly.", TOOL_FAILED)


def error_text(error: DomainError) -> str:
    if isinstance(error.detail, dict):
        return " ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in error.detail.items())
    return str(error.detail)


# Declarations: from a function's signature and docstring to a `Tool`.


def _docstring(function: ToolFunction) -> tuple[str, dict[str, str]]:
    """The description (first paragraph) and the per-argument texts of the `Args:` section."""
    text = inspect.getdoc(function) or ""
    paragraphs = text.split("\n\n")
    description = " ".join(paragraphs[0].split())
    texts: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if line.strip() == "Args:":
            break
    name = None
    for line in lines:
        if not line.strip():
            break
        if (match := re.fullmatch(r"\s{4}(\w+):\s*(.*)", line)) is not None:
            name = match[1]
            texts[name] = match[2].strip()
        elif name is not None and line.startswith(" " * 8):
            texts[name] = f"{texts[name]} {line.strip()}"
        else:
            break
    return description, texts


def _string_coercer(name: str) -> Callable[[object], object]:
    def coerce(value: object) -> object:
        if not isinstance(value, str):
            raise InvalidArguments(f"{name} must be a string.")
        return value

    return coerce


def _integer_coercer(name: str) -> Callable[[object], object]:
    def coerce(value: object) -> object:
        if isinstance(value, str) and (number := NUMBER_TEXT.fullmatch(value.strip())):
            return int(number.group(1))
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArguments(f"{name} must be an integer.")
        return value

    return coerce


def _integers_coercer(name: str, length: Length | None) -> Callable[[object], object]:
    """A list of task numbers: each coerced as an `int` argument is, repeats dropped."""
    number = _integer_coercer(f"each of {name}")

    def coerce(value: object) -> object:
        if not isinstance(value, list):
            raise InvalidArguments(f"{name} must be a list of integers.")
        numbers = list(dict.fromkeys(number(item) for item in value))
        if length is not None and (
            (length.min is not None and len(numbers) < length.min)
            or (length.max is not None and len(numbers) > length.max)
        ):
            raise InvalidArguments(f"{name} must hold {length.text('numbers')}.")
        return numbers

    return coerce


def _argument(function_name: str, parameter: inspect.Parameter, hint: Any, text: str) -> Argument:
    name = parameter.name
    length, nullable = None, False
    # `Annotated[str | None, Length(...)]` and `Annotated[str, Length(...)] | None` alike.
    for _ in range(2):
        if get_origin(hint) is Annotated:
            hint, *metadata = get_args(hint)
            length = next((item for item in metadata if isinstance(item, Length)), length)
        if get_origin(hint) in (Union, types.UnionType):
            options = [option for option in get_args(hint) if option is not type(None)]
            if len(options) != 1 or len(get_args(hint)) != 2:
                raise TypeError(f"{function_name}({name}): only `X | None` unions are supported.")
            hint, nullable = options[0], True

    schema: Schema
    if hint is str:
        schema, coerce = {"type": "string"}, _string_coercer(name)
    elif hint is int:
        schema, coerce = {"type": "integer"}, _integer_coercer(name)
    elif get_origin(hint) is Literal and all(isinstance(choice, str) for choice in get_args(hint)):
        # Only the type is checked here: which values are valid is the service's to say.
        schema, coerce = {"type": "string", "enum": list(get_args(hint))}, _string_coercer(name)
    elif get_origin(hint) is list and get_args(hint) == (int,):
        schema, coerce = {"type": "array", "items": {"type": "integer"}}, _integers_coercer(name, length)
    else:
        raise TypeError(f"{function_name}({name}): type {hint!r} has no JSON schema here.")
    if length is not None:
        if hint is not str and schema["type"] != "array":
            raise TypeError(f"{function_name}({name}): Length applies to str and list arguments only.")
        text = f"{text.rstrip('.')}, {length.text('characters' if hint is str else 'numbers')}."
    if nullable:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"].append(None)
    schema["description"] = text
    return Argument(name=name, schema=schema, coerce=coerce, default=parameter.default, nullable=nullable)


def _declare(function: ToolFunction, tool_hints: ToolHints) -> Tool:
    name = function.__name__
    description, texts = _docstring(function)
    if not description:
        raise TypeError(f"{name}: a tool needs a docstring; its first paragraph is the description.")
    parameters = inspect.signature(function).parameters
    hints = get_type_hints(function, include_extras=True)
    if "user" not in parameters:
        raise TypeError(f"{name}: a tool takes the keyword-only argument `user` it is bound to.")
    arguments = []
    for parameter in parameters.values():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"{name}({parameter.name}): tool arguments are keyword-only.")
        if parameter.name in BOUND_ARGUMENTS:
            continue
        if parameter.name not in texts:
            raise TypeError(f"{name}({parameter.name}): describe the argument in the docstring's Args: section.")
        if parameter.name not in hints:
            raise TypeError(f"{name}({parameter.name}): the argument needs a type hint.")
        arguments.append(_argument(name, parameter, hints[parameter.name], texts.pop(parameter.name)))
    if texts:
        raise TypeError(f"{name}: the docstring describes arguments it does not take: {', '.join(texts)}.")
    return Tool(
        name=name,
        description=description,
        function=function,
        arguments=tuple(arguments),
        takes_turn="turn" in parameters,
        hints=tool_hints,
    )
