"""Reporting scores: the total and the agent's time per message, and how a step, a tool call
and a reply are written in the report `manage.py evaluate_agent` prints."""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.management.base import OutputWrapper
from django.core.management.color import Style

from chat.agent.messages import describe_run
from chat.evaluation.checks import shown
from chat.evaluation.run import ScenarioResult, StepResult
from chat.evaluation.scenarios import Scenario


@dataclass(frozen=True)
class Summary:
    passed: int
    total: int
    median_ms: float
    p95_ms: float

    @property
    def score(self) -> float:
        return self.passed / self.total if self.total else 0.0


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


def format_reply(reply: str) -> str:
    return shown(reply)


class Reporter:
    """Writes the report as the run goes: a FAIL line per failing step (and a PASS line per
    passing one when `verbose`) as each step ends, so a slow provider's run shows its progress;
    then a score per scenario, the total, and the agent's time per message."""

    def __init__(self, *, out: OutputWrapper, style: Style, verbose: bool, label_files: bool) -> None:
        self.out = out
        self.style = style
        self.verbose = verbose
        self.label_files = label_files  # scenarios come from several files: name the file too

    def label(self, scenario: Scenario) -> str:
        return f"{scenario.source}: {scenario.name}" if self.label_files else scenario.name

    def step(self, scenario: Scenario, result: StepResult) -> None:
        if result.passed and not self.verbose:
            return
        where = f"{self.label(scenario)} step {result.index}/{len(scenario.steps)}: {result.step.say!r}"
        if result.passed:
            self.out.write(self.style.SUCCESS("PASS") + f" {where}")
            return
        self.out.write(self.style.ERROR("FAIL") + f" {where}")
        for failure in result.failures:
            self.out.write(f"    - {failure}")
        outcome = result.outcome
        if outcome.error is None:
            self.out.write(f"    reply: {format_reply(outcome.reply)}")
        calls = [describe_run(run) for run in outcome.tool_runs]
        self.out.write(f"    tool calls: {'; '.join(calls) if calls else 'none'}")

    def scores(self, *, results: Sequence[ScenarioResult], summary: Summary) -> None:
        width = max(len(self.label(result.scenario)) for result in results)
        self.out.write("")
        for result in results:
            self.out.write(
                f"{self.label(result.scenario):<{width}}  {result.passed:>3}/{result.total:<3}  "
                f"{result.passed / result.total:6.1%}"
            )
        total = f"{'TOTAL':<{width}}  {summary.passed:>3}/{summary.total:<3}  {summary.score:6.1%}"
        self.out.write(self.style.MIGRATE_HEADING(total))
        self.out.write(
            f"Agent time per message (inside the model client): median {summary.median_ms:.2f} ms, "
            f"p95 {summary.p95_ms:.2f} ms ({summary.total} messages)."
        )
