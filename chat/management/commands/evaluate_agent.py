"""`manage.py evaluate_agent FILE [FILE ...]`: score the agent on scenario files.

The parsing, running, checks and report are in the `chat.evaluation` package; this command
loads the files, picks the backend, prints through its `Reporter` and sets the exit status.
"""

import logging
from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from chat.agent.clients import backend_name, build_model
from chat.evaluation.report import Reporter, summarize
from chat.evaluation.run import ScenarioResult, TimedModel, run_scenario, run_turn
from chat.evaluation.scenarios import Scenario, ScenarioFileError, load_scenarios


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
        parser.add_argument(
            "--reset-after-miss",
            action="store_true",
            help="Score message by message: after a missed step, set the tasks to what it expected "
            "before the next step (default: score as a conversation, where a miss can carry on).",
        )
        parser.add_argument("--verbose", action="store_true", help="Print a PASS line for passing steps too.")

    def handle(self, *args: Any, **options: Any) -> None:
        min_score: float = options["min_score"]
        if not 0 <= min_score <= 1:
            raise CommandError(f"--min-score must be a fraction between 0 and 1 (such as 0.95), not {min_score}.")
        paths: list[Path] = options["paths"]
        try:
            scenarios = [scenario for path in paths for scenario in load_scenarios(path=path)]
        except ScenarioFileError as error:
            raise CommandError(str(error)) from None
        backend: str = options["backend"] or backend_name()
        reporter = Reporter(out=self.stdout, style=self.style, verbose=options["verbose"], label_files=len(paths) > 1)

        # The turn service logs a line per turn at INFO: a hundred of them would bury the
        # report. Warnings and errors (an unexpected model-client failure) still show.
        previous_disable = logging.root.manager.disable
        logging.disable(logging.INFO)
        try:
            results = self._run(
                scenarios=scenarios, backend=backend, reporter=reporter, reset_after_miss=options["reset_after_miss"]
            )
        finally:
            logging.disable(previous_disable)
        summary = summarize(results=results)
        reporter.scores(results=results, summary=summary)
        if summary.score < min_score:
            raise CommandError(f"The score {summary.score:.1%} is below --min-score {min_score:.1%}.")

    def _run(
        self, *, scenarios: list[Scenario], backend: str, reporter: Reporter, reset_after_miss: bool
    ) -> list[ScenarioResult]:
        with override_settings(AGENT_BACKEND=backend):
            model = TimedModel(build_model())
            steps = sum(len(scenario.steps) for scenario in scenarios)
            self.stdout.write(
                f"Scoring {len(scenarios)} scenarios ({steps} steps) with the {model.backend} agent "
                f"(model {model.model})."
            )
            return [
                run_scenario(
                    scenario=scenario,
                    model=model,
                    run_turn=run_turn,
                    on_step=partial(reporter.step, scenario),
                    reset_after_miss=reset_after_miss,
                )
                for scenario in scenarios
            ]
