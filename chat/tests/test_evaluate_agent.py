"""`manage.py evaluate_agent`: scenario files scored through the real turn service.

The steps use only requests every version of the offline agent understands ("add buy milk",
"show my tasks", "delete task 1") and never its exact wording.
"""

import json
import re
import subprocess
import sys
import zoneinfo
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, time, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.management import CommandError, call_command
from django.utils import timezone
from pytest_django import Settings

from accounts.models import User
from chat.agent.messages import AssistantMessage, ChatMessage, ToolRun, ToolSchema, describe_run, parse_result
from chat.agent.model import LocalModel
from chat.errors import ModelUnavailable
from chat.evaluation.checks import StoredTask, TurnOutcome, check_step
from chat.evaluation.report import percentile
from chat.evaluation.reset import reset_to_expected
from chat.evaluation.run import TimedModel, TurnLike, run_scenario
from chat.evaluation.scenarios import ScenarioFileError, Step, parse_scenarios
from chat.models import Conversation
from chat.tests.scripted_openai import ScriptedOpenAI, error, reply, tool_calls
from todos.models import Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db

ADD_MILK = {"say": "add buy milk", "tools": ["add_task"], "state": {"1": {"title": "milk", "completed": False}}}


def scenario_file(tmp_path: Path, *steps: dict[str, Any], name: str = "basics", filename: str = "set.json") -> Path:
    path = tmp_path / filename
    path.write_text(json.dumps({"scenarios": [{"name": name, "steps": list(steps)}]}))
    return path


def evaluate(*args: Any) -> str:
    out = StringIO()
    call_command("evaluate_agent", *[str(arg) for arg in args], stdout=out, no_color=True)
    return out.getvalue()


def test_a_passing_scenario_passes(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        ADD_MILK,
        {"say": "show my tasks", "tools": [], "state": {"1": {"title": "MILK"}}, "reply_has": ["Milk"]},
    )

    out = evaluate(path)

    assert "FAIL" not in out
    assert re.search(r"^basics\s+2/2\s+100\.0%$", out, re.MULTILINE)
    assert re.search(r"^TOTAL\s+2/2\s+100\.0%$", out, re.MULTILINE)


def test_verbose_prints_passing_steps(tmp_path: Path) -> None:
    out = evaluate(scenario_file(tmp_path, ADD_MILK), "--verbose")

    assert "PASS basics step 1/1: 'add buy milk'" in out


def test_a_task_the_agent_did_not_create_fails_the_step(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path, {"say": "show my tasks", "tools": ["add_task"], "state": {"1": {"title": "milk"}}}, ADD_MILK
    )

    out = evaluate(path)

    assert "FAIL basics step 1/2: 'show my tasks'" in out
    assert "- expected a call to add_task; called: list_tasks" in out
    assert "- task 1 does not exist (expected title containing 'milk')" in out
    assert "reply: " in out
    # The second step then creates task 1 and passes.
    assert "step 2/2" not in out
    assert re.search(r"^TOTAL\s+1/2\s+50\.0%$", out, re.MULTILINE)


def test_the_failure_line_shows_the_tool_calls_with_arguments_and_results(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {**ADD_MILK, "state": {"1": {"title": "bread"}}})

    out = evaluate(path)

    assert "- task 1 title 'Buy milk' does not contain 'bread'" in out.replace('"', "'")
    assert re.search(r'tool calls: add_task\(title="Buy milk".*\) -> Added task 1 "Buy milk"', out, re.IGNORECASE)


def test_reply_lacks_is_violated_case_insensitively(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, ADD_MILK, {"say": "show my tasks", "tools": [], "reply_lacks": ["MILK"]})

    out = evaluate(path)

    assert "FAIL basics step 2/2: 'show my tasks'" in out
    assert "- reply contains 'MILK'" in out


def test_reply_any_needs_one_of_its_strings(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        ADD_MILK,
        {"say": "show my tasks", "reply_any": ["no such words", "nor these"]},
        {"say": "show my tasks", "reply_any": ["no such words", "milk"]},
    )

    out = evaluate(path)

    assert "FAIL basics step 2/3" in out
    assert "- reply contains none of 'no such words', 'nor these'" in out
    assert "step 3/3" not in out


def test_no_tools_means_no_change_may_succeed(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {"say": "add buy milk", "tools": []})

    out = evaluate(path)

    assert "FAIL basics step 1/1: 'add buy milk'" in out
    assert "- expected no change, but add_task succeeded" in out


def test_null_state_means_the_task_must_not_exist(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        {"say": "add buy milk", "state": {"1": None}},
        {"say": "delete task 1", "tools": ["delete_task"], "state": {"1": None}},
    )

    out = evaluate(path)

    assert "FAIL basics step 1/2" in out
    assert "- task 1 should not exist, but it does: 'Buy milk'" in out.replace('"', "'")
    assert "step 2/2" not in out  # deleted: passes


def test_min_score_sets_the_exit_status(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, ADD_MILK, {"say": "show my tasks", "reply_lacks": ["milk"]})

    assert "TOTAL" in evaluate(path)  # the default, 0, never fails
    assert "TOTAL" in evaluate(path, "--min-score", "0.5")
    with pytest.raises(CommandError, match=r"The score 50\.0% is below --min-score 95\.0%"):
        evaluate(path, "--min-score", "0.95")


def test_min_score_must_be_a_fraction(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--min-score must be a fraction"):
        evaluate(scenario_file(tmp_path, ADD_MILK), "--min-score", "95")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"bad\.json: not valid JSON: .* at line 1, column 2"),
        ("[]", r'bad\.json: expected an object with a "scenarios" list'),
        ('{"scenarios": []}', r'bad\.json: "scenarios" must be a non-empty list'),
        ('{"scenarios": [{"steps": [{"say": "hi"}]}]}', r'bad\.json: scenario 1: "name" must be a non-empty string'),
        ('{"scenarios": [{"name": "s", "steps": []}]}', r"""scenario 1 \('s'\): "steps" must be a non-empty list"""),
        ('{"scenarios": [{"name": "s", "steps": [{"tools": []}]}]}', r'step 1: "say" must be a non-empty string'),
        (
            '{"scenarios": [{"name": "s", "steps": [{"say": "hi"}, {"say": "hi", "tool": ["add_task"]}]}]}',
            r"bad\.json: scenario 1 \('s'\), step 2: unknown key\(s\) 'tool'; known: ",
        ),
        ('{"scenarios": [{"name": "s", "steps": [{"say": "hi", "tools": "add_task"}]}]}', r'"tools" must be a list'),
        ('{"scenarios": [{"name": "s", "steps": [{"say": "hi", "reply_has": [1]}]}]}', r'"reply_has" must be a list'),
        ('{"scenarios": [{"name": "s", "steps": [{"say": "hi", "state": {"one": null}}]}]}', r"'one' is not a task"),
        (
            '{"scenarios": [{"name": "s", "steps": [{"say": "hi", "state": {"1": {"completed": "no"}}}]}]}',
            r'step 1, "state" of task 1: "completed" must be true or false',
        ),
        (
            '{"scenarios": [{"name": "s", "steps": [{"say": "hi", "state": {"1": {"titel": "x"}}}]}]}',
            r"""step 1, "state" of task 1: unknown key\(s\) 'titel'""",
        ),
    ],
)
def test_a_malformed_file_is_a_clear_command_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        evaluate(path)
    assert not User.objects.exists()


def test_manage_py_reports_a_malformed_file_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"scenarios": [{"name": "s", "steps": [{"say": "hi", "tool": []}]}]}')

    done = subprocess.run(  # noqa: S603 - this interpreter and this project's manage.py
        [sys.executable, str(Path(__file__).parents[2] / "manage.py"), "evaluate_agent", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert "CommandError:" in done.stderr and "unknown key(s) 'tool'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"missing\.json: cannot read the file"):
        evaluate(tmp_path / "missing.json")


def test_a_malformed_file_runs_nothing_of_the_good_ones(tmp_path: Path) -> None:
    good = scenario_file(tmp_path, ADD_MILK, filename="good.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"scenarios": 1}')

    with pytest.raises(CommandError, match="bad.json"):
        evaluate(good, bad)
    assert not Todo.objects.exists()


def test_each_scenario_gets_a_fresh_user_removed_afterwards(tmp_path: Path, user: User) -> None:
    TodoFactory.create(owner=user, title="My own task")
    path = tmp_path / "set.json"
    path.write_text(
        json.dumps(
            {
                "scenarios": [
                    {"name": "first", "steps": [ADD_MILK]},
                    # Task numbers start again at 1: a different user, with no tasks.
                    {"name": "second", "steps": [ADD_MILK, {"say": "delete task 1", "state": {"1": None}}]},
                ]
            }
        )
    )

    out = evaluate(path)

    assert re.search(r"^TOTAL\s+3/3\s+100\.0%$", out, re.MULTILINE)
    assert list(User.objects.all()) == [user]
    assert [task.title for task in Todo.objects.all()] == ["My own task"]
    assert not Conversation.objects.exists()


def test_several_files_are_scored_together(tmp_path: Path) -> None:
    first = scenario_file(tmp_path, ADD_MILK, name="same", filename="a.json")
    second = scenario_file(tmp_path, {"say": "add buy milk", "tools": []}, name="same", filename="b.json")

    out = evaluate(first, second)

    assert "FAIL " + str(second) + ": same step 1/1" in out
    assert re.search(r"^TOTAL\s+1/2\s+50\.0%$", out, re.MULTILINE)


def test_the_agent_time_per_message_is_printed(tmp_path: Path) -> None:
    out = evaluate(scenario_file(tmp_path, ADD_MILK, {"say": "show my tasks"}))

    assert re.search(r"Agent time per message .*: median \d+\.\d\d ms, p95 \d+\.\d\d ms \(2 messages\)", out)


def test_the_backend_option_overrides_the_settings(tmp_path: Path, settings: Settings) -> None:
    settings.AGENT_BACKEND = "openai"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens: the openai agent would fail

    out = evaluate(scenario_file(tmp_path, ADD_MILK), "--backend", "offline")

    assert "with the offline agent" in out
    assert re.search(r"^TOTAL\s+1/1\s+100\.0%$", out, re.MULTILINE)


def test_an_openai_compatible_provider_is_scored_and_its_errors_fail_only_that_step(
    tmp_path: Path, settings: Settings, scripted_openai: ScriptedOpenAI
) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    scripted_openai.script(
        error(500),
        tool_calls(("add_task", {"title": "Buy milk", "description": None})),
        reply('Added task 1 "Buy milk".'),
    )
    path = scenario_file(tmp_path, {"say": "hello", "reply_has": ["hi"]}, ADD_MILK)

    out = evaluate(path, "--backend", "openai")

    assert "with the openai agent (model scripted-model)" in out
    assert "FAIL basics step 1/2: 'hello'" in out
    assert re.search(r"- the turn failed: model_\w+: ", out)
    assert "step 2/2" not in out
    assert re.search(r"^TOTAL\s+1/2\s+50\.0%$", out, re.MULTILINE)
    # The failed turn's conversation was continued: one conversation, removed with its user.
    assert not Conversation.objects.exists()
    assert not User.objects.exists()


# The pieces, without the command.


class ScriptedModel(LocalModel):
    """A model client that answers each call with the next message, or raises it."""

    backend = "scripted"
    model = "scripted-1"
    extra = "passed through"

    def __init__(self, *answers: AssistantMessage | Exception) -> None:
        self.answers = list(answers)

    @property
    def longest_step(self) -> timedelta:
        return timedelta(seconds=1)

    def complete(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_the_timed_model_is_a_model_client_that_adds_up_its_stream() -> None:
    timed = TimedModel(ScriptedModel(AssistantMessage(content="hi there"), ModelUnavailable()))

    async def parts() -> list[Any]:
        return [part async for part in timed.stream([], [])]

    assert (timed.backend, timed.model, timed.extra) == ("scripted", "scripted-1", "passed through")
    assert async_to_sync(parts)() == ["hi ", "there", AssistantMessage(content="hi there")]
    with pytest.raises(ModelUnavailable):
        async_to_sync(parts)()
    assert timed.take_ms() > 0
    assert timed.take_ms() == 0


def test_the_fresh_user_is_removed_even_when_a_turn_crashes() -> None:
    scenario = parse_scenarios(data={"scenarios": [{"name": "s", "steps": [ADD_MILK]}]}, source="x")[0]

    def crashing_turn(**kwargs: Any) -> TurnLike:
        assert User.objects.filter(pk=kwargs["owner"].pk).exists()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_scenario(scenario=scenario, model=TimedModel(ScriptedModel()), run_turn=crashing_turn)
    assert not User.objects.exists()


def test_check_step_compares_state_case_insensitively() -> None:
    step = parse_scenarios(
        data={
            "scenarios": [
                {
                    "name": "s",
                    "steps": [{"say": "x", "state": {"1": {"title": "MILK", "description": "Oat", "completed": True}}}],
                }
            ]
        },
        source="x",
    )[0].steps[0]
    done = StoredTask(title="Buy milk", description="oat milk", completed=True)
    pending = StoredTask(title="Buy milk", description="", completed=False)

    assert check_step(step=step, outcome=TurnOutcome(), tasks={1: done}) == []
    assert check_step(step=step, outcome=TurnOutcome(), tasks={1: pending}) == [
        "task 1 description '' does not contain 'Oat'",
        "task 1 should be completed but is pending",
    ]


def test_a_failed_tool_call_is_not_a_change() -> None:
    step = Step(say="x", tools=())
    failed = ToolRun("delete_task", {"task_id": 9}, parse_result({"success": False, "error": "no"}))
    listed = ToolRun("list_tasks", {}, parse_result({"success": True, "tasks": []}))

    outcome = TurnOutcome(tool_runs=(failed, listed))

    assert check_step(step=step, outcome=outcome, tasks={}) == []
    assert describe_run(failed) == "delete_task(task_id=9) -> failed: no (tool_failed)"


def test_percentiles_are_nearest_rank() -> None:
    values = [float(value) for value in range(1, 101)]

    assert percentile(values, 95) == 95.0
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 95) == 0.0


PLANNED_STEP = {
    "say": "x",
    "state": {
        "1": {"title": "gutter", "due_date": "2026-12-12", "due_time": None, "priority": "high", "repeats": True}
    },
}


def planning_file(**extra: Any) -> dict[str, Any]:
    return {"now": "2026-12-07T09:30", "scenarios": [{"name": "s", "steps": [PLANNED_STEP], **extra}]}


def test_now_and_the_time_zone_make_the_scenarios_clock() -> None:
    scenario = parse_scenarios(data=planning_file(time_zone="Pacific/Auckland"), source="x")[0]

    assert scenario.frozen_at is not None
    assert scenario.frozen_at.isoformat() == "2026-12-07T09:30:00+13:00"
    assert parse_scenarios(data=planning_file(), source="x")[0].time_zone == "UTC"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"now": "7 Dec", "scenarios": [{"name": "s", "steps": [ADD_MILK]}]}, '"now" must be a local date-time'),
        (planning_file(time_zone="Mars/Olympus"), '"time_zone" must be an IANA zone'),
        (
            {"scenarios": [{"name": "s", "steps": [{"say": "x", "state": {"1": {"due": "2026-12-12"}}}]}]},
            "unknown key(s) 'due'",
        ),
        (
            {"scenarios": [{"name": "s", "steps": [{"say": "x", "state": {"1": {"due_date": "12/12/2026"}}}]}]},
            '"due_date" must be "YYYY-MM-DD" or null',
        ),
        (
            {"scenarios": [{"name": "s", "steps": [{"say": "x", "state": {"1": {"priority": "urgent"}}}]}]},
            '"priority" must be one of',
        ),
    ],
)
def test_planning_keys_are_validated(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioFileError, match=re.escape(message)):
        parse_scenarios(data=data, source="x")


def test_check_step_compares_the_planning_fields() -> None:
    step = parse_scenarios(data=planning_file(), source="x")[0].steps[0]
    planned = StoredTask(
        title="Clean the gutters", description="", completed=False, due_date=date(2026, 12, 12), priority="high"
    )

    assert check_step(step=step, outcome=TurnOutcome(), tasks={1: replace(planned, repeats=True)}) == []
    assert check_step(
        step=step, outcome=TurnOutcome(), tasks={1: replace(planned, due_time=time(9, 0), priority="low")}
    ) == [
        "task 1 due_time is 09:00, expected none",
        "task 1 priority is 'low', expected 'high'",
        "task 1 should repeat",
    ]


def test_an_unstated_due_date_is_not_checked() -> None:
    step = parse_scenarios(
        data={"scenarios": [{"name": "s", "steps": [{"say": "x", "state": {"1": {"title": "gutter"}}}]}]}, source="x"
    )[0].steps[0]
    stored = StoredTask(title="gutter", description="", completed=False, due_date=date(2026, 12, 12))

    assert check_step(step=step, outcome=TurnOutcome(), tasks={1: stored}) == []


def test_each_step_runs_at_the_scenarios_local_now_for_a_user_in_its_zone() -> None:
    data = planning_file(time_zone="Australia/Sydney")
    scenario = parse_scenarios(data=data, source="x")[0]
    seen: list[tuple[str, str]] = []

    def turn(*, owner: User, message: str, conversation_id: Any, model: Any) -> TurnLike:
        local = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(owner.time_zone))
        seen.append((owner.time_zone, local.strftime("%Y-%m-%dT%H:%M")))
        raise ModelUnavailable()

    run_scenario(scenario=scenario, model=TimedModel(ScriptedModel()), run_turn=turn)

    assert seen == [("Australia/Sydney", "2026-12-07T09:30")]


def test_reset_after_a_miss_puts_the_planning_fields_in_place(user: User) -> None:
    step = parse_scenarios(data=planning_file(), source="x")[0].steps[0]
    Todo.objects.create(owner=user, number=1, title="Clean the gutters", due_time=time(9, 0))

    reset_to_expected(owner=user, step=step)

    task = Todo.objects.get(owner=user, number=1)
    assert (task.due_date, task.due_time, task.priority, bool(task.recurrence)) == (
        date(2026, 12, 12),
        None,
        "high",
        True,
    )
