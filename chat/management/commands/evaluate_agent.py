"""`manage.py evaluate_agent FILE [FILE ...]`: score the agent on scenario files.

The checks and the scoring are in `chat.evaluation`; this command loads the files, picks the
backend, prints and sets the exit status.
"""

import logging
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from accounts.models import User
from chat import evaluation
from chat.agent.clients import backend_name, build_model
from chat.agent.model import ModelClient
from chat.services import turn_events  # the turn service the chat API runs
from chat.turns import collect


@dataclass(frozen=True)
class TurnAnswer:
    """A turn as the evaluation reads it (`chat.evaluation.TurnLike`)."""

    conversation_id: uuid.UUID
    reply: str
    tool_calls: list[dict[str, object]]


def run_turn(*, owner: User, message: str, conversation_id: uuid.UUID | None, model: ModelClient) -> TurnAnswer:
    """One turn through the chat service, to its end."""
    events = turn_events(owner=owner, message=message, conversation_id=conversation_id, model=model)
    result = async_to_sync(collect)(events)
    return TurnAnswer(result.conversation_id, result.reply, [run.as_json() for run in result.tool_runs])


class Command(BaseCommand):
    help = (
        "Score the chat agent on scenario files (format: ../shared/agent-eval/README.md). Each scenario "
        "runs as one conversation of a fresh user, created in the configured database and deleted "
        "afterwards, through the same turn service as the chat API. Prints a FAIL line per failing step, "
        "a score per scenario and in total, and the agent's time per message (time inside the model "
        "client, median and p95). reply_has, reply_lacks and reply_any are all compared case-insensitively. "
        "Exits with status 1 when the total score is below --min-score."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="Scenario files (JSON).")
        parser.add_argument(
            "--backend",
            choices=("offline", "openai"),
            help="The agent to score (default: the configured one, as for the chat API: AGENT_BACKEND, "
            "else openai when OPENAI_API_KEY is set, else offline). openai uses OPENAI_API_KEY, "
            "OPENAI_BASE_URL and OPENAI_MODEL, so any OpenAI-compatible provider can be scored.",
        )
        parser.add_argument(
            "--min-score",
            type=float,
            default=0.0,
            help="Fail (exit status 1) when passed steps / all steps is below this fraction, e.g. 0.95 "
            "(default: 0, never fail).",
        )
        parser.add_argument("--verbose", action="store_true", help="Print a PASS line for passing steps too.")

    def handle(self, *args: Any, **options: Any) -> None:
        min_score: float = options["min_score"]
        if not 0 <= min_score <= 1:
            raise CommandError(f"--min-score must be a fraction between 0 and 1 (such as 0.95), not {min_score}.")
        paths: list[Path] = options["paths"]
        try:
            scenarios = [scenario for path in paths for scenario in evaluation.load_scenarios(path=path)]
        except evaluation.ScenarioFileError as error:
            raise CommandError(str(error)) from None
        backend: str = options["backend"] or backend_name()
        self.verbose: bool = options["verbose"]
        self.label_files = len(paths) > 1

        # The turn service logs a line per turn at INFO: a hundred of them would bury the
        # report. Warnings and errors (an unexpected model-client failure) still show.
        previous_disable = logging.root.manager.disable
        logging.disable(logging.INFO)
        try:
            results = self._run(scenarios=scenarios, backend=backend)
        finally:
            logging.disable(previous_disable)
        summary = evaluation.summarize(results=results)
        self._write_scores(results=results, summary=summary)
        if summary.score < min_score:
            raise CommandError(f"The score {summary.score:.1%} is below --min-score {min_score:.1%}.")

    def _run(self, *, scenarios: list[evaluation.Scenario], backend: str) -> list[evaluation.ScenarioResult]:
        with override_settings(AGENT_BACKEND=backend):
            model = evaluation.TimedModel(build_model())
            steps = sum(len(scenario.steps) for scenario in scenarios)
            self.stdout.write(
                f"Scoring {len(scenarios)} scenarios ({steps} steps) with the {model.backend} agent "
                f"(model {model.model})."
            )
            results: list[evaluation.ScenarioResult] = []
            for scenario in scenarios:
                results.append(
                    evaluation.run_scenario(
                        scenario=scenario,
                        model=model,
                        run_turn=run_turn,
                        on_step=partial(self._write_step, scenario),
                    )
                )
        return results

    def _label(self, scenario: evaluation.Scenario) -> str:
        return f"{scenario.source}: {scenario.name}" if self.label_files else scenario.name

    def _write_step(self, scenario: evaluation.Scenario, result: evaluation.StepResult) -> None:
        """Called as each step finishes, so a slow provider's run shows its progress."""
        if result.passed and not self.verbose:
            return
        where = f"{self._label(scenario)} step {result.index}/{len(scenario.steps)}: {result.step.say!r}"
        if result.passed:
            self.stdout.write(self.style.SUCCESS("PASS") + f" {where}")
            return
        self.stdout.write(self.style.ERROR("FAIL") + f" {where}")
        for failure in result.failures:
            self.stdout.write(f"    - {failure}")
        outcome = result.outcome
        if outcome.error is None:
            self.stdout.write(f"    reply: {evaluation.format_reply(outcome.reply)}")
        calls = [evaluation.format_tool_call(call) for call in outcome.tool_calls]
        self.stdout.write(f"    tool calls: {'; '.join(calls) if calls else 'none'}")

    def _write_scores(self, *, results: list[evaluation.ScenarioResult], summary: evaluation.Summary) -> None:
        width = max(len(self._label(result.scenario)) for result in results)
        self.stdout.write("")
        for result in results:
            self.stdout.write(
                f"{self._label(result.scenario):<{width}}  {result.passed:>3}/{result.total:<3}  "
                f"{result.passed / result.total:6.1%}"
            )
        total = f"{'TOTAL':<{width}}  {summary.passed:>3}/{summary.total:<3}  {summary.score:6.1%}"
        self.stdout.write(self.style.MIGRATE_HEADING(total))
        self.stdout.write(
            f"Agent time per message (inside the model client): median {summary.median_ms:.2f} ms, "
            f"p95 {summary.p95_ms:.2f} ms ({summary.total} messages)."
        )
