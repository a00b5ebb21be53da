"""What the tools' planning arguments mean: `due` and `repeat` as a model gives them, turned into
the due date, time and repeat rule the services take.

A model never does time-zone arithmetic: every date and time here is the owner's local one
(`accounts.time_zones.local_now`), as are the `due_date`/`due_time` a task is shown with.

- `due`: an ISO date ("2026-12-24") or date-time ("2026-12-24T17:00": local; one with an offset
  is converted to the owner's zone), or plain words as `todos.due.parse_due` reads them ("next
  friday at 5pm", "in 3 days", "every monday at 9"). It sets the date and the time together (a
  due without a time has none); words that repeat set the repeat rule too. `"none"` clears the
  due, its time and its repeat.
- `repeat`: plain repeat words ("every monday", "daily", "weekdays") or an RRULE body
  ("FREQ=WEEKLY;BYDAY=MO"); `"none"` stops the repeat. A task without a due date that is given
  a repeat (and no `due`) becomes due on the rule's first occurrence from today.
- Left out (null): that part of the plan stays as it is.

Words that cannot be read are the service's coded errors (`invalid_due_string`,
`invalid_recurrence`), never a guess.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from accounts.models import User
from accounts.time_zones import local_now
from todos.due import ParsedDue, parse_due
from todos.errors import InvalidDueString, InvalidRecurrence
from todos.recurrence import clean_rule, first_on_or_after
from todos.services import UNSET, Keep

# What clears a due or a repeat.
CLEAR = "none"
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", re.ASCII)


@dataclass(frozen=True)
class DuePlan:
    """The due fields to give a service: UNSET ones stay as they are."""

    due_date: date | None | Keep = UNSET
    due_time: time | None | Keep = UNSET
    recurrence: str | None | Keep = UNSET

    @property
    def changes_nothing(self) -> bool:
        return self.due_date is UNSET and self.due_time is UNSET and self.recurrence is UNSET


def _cleared(value: str) -> bool:
    return value.strip().lower() == CLEAR


def read_due(words: str, *, now: datetime) -> ParsedDue:
    """`words` as a due moment in the zone of `now` (the owner's local now)."""
    text = words.strip()
    if _ISO_DATE_TIME.fullmatch(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidDueString() from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(now.tzinfo)
        return ParsedDue(due_date=moment.date(), due_time=moment.time().replace(second=0, microsecond=0, tzinfo=None))
    return parse_due(text, now=now)


def read_repeat(words: str, *, now: datetime) -> ParsedDue:
    """`words` (repeat words or an RRULE body) as a rule with its first occurrence from today."""
    text = words.strip()
    if "=" in text:
        rule = clean_rule(text, start=now.date())
        first = first_on_or_after(rule, moment=datetime.combine(now.date(), time()))
        if first is None:  # pragma: no cover - clean_rule has checked there is one
            raise InvalidRecurrence()
        return ParsedDue(due_date=first.date(), recurrence=rule)
    try:
        parsed = parse_due(text, now=now)
    except InvalidDueString:
        raise InvalidRecurrence() from None
    if parsed.recurrence is None:
        raise InvalidRecurrence()
    return parsed


def due_plan(*, owner: User, due: str | None, repeat: str | None, has_date: bool) -> DuePlan:
    """The due fields `due` and `repeat` ask for, for a task of `owner` that has a due date or
    not (`has_date`). Raises the services' coded errors for words it cannot read."""
    if due is None and repeat is None:
        return DuePlan()
    now = local_now(owner)
    due_date: date | None | Keep = UNSET
    due_time: time | None | Keep = UNSET
    recurrence: str | None | Keep = UNSET
    if due is not None and _cleared(due):
        due_date = None
    elif due is not None:
        parsed = read_due(due, now=now)
        due_date, due_time = parsed.due_date, parsed.due_time
        if parsed.recurrence is not None:
            recurrence = parsed.recurrence
    if repeat is not None and _cleared(repeat):
        recurrence = None
    elif repeat is not None:
        repeating = read_repeat(repeat, now=now)
        recurrence = repeating.recurrence
        if due is None and not has_date:
            due_date, due_time = repeating.due_date, repeating.due_time
    return DuePlan(due_date=due_date, due_time=due_time, recurrence=recurrence)
