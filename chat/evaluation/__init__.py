"""Scoring the agent on scenario files (the format of `../shared/agent-eval/README.md`).

Four modules, kept apart so each can be tested on its own:

- `scenarios`: `load_scenarios` reads a file and validates it into `Scenario`s, or raises a
  `ScenarioFileError` that names the file, scenario and step at fault;
- `checks`: `check_step` compares one turn's outcome and the user's tasks after it with a
  step's expectations and returns the reasons it fails (none: it passes). It touches no database;
- `run`: `run_scenario` plays a scenario's steps as turns of one conversation of a fresh user,
  through whatever turn function it is given, and deletes that user afterwards;
- `report`: the total score and the agent's time per message, and the lines
  `manage.py evaluate_agent` prints.

Reply checks (`reply_has`, `reply_lacks`, `reply_any`) are all case-insensitive: the README says
so for `reply_has`, and a reply that starts a sentence with a word must not pass `reply_lacks`
for the lowercase spelling of that word.
"""
