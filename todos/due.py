"""Due dates from plain words ("next friday at 5pm", "every monday at 9"), read in the owner's zone.

dateparser reads the dates; this module adds what it lacks: it takes the time of day out first
(dateparser puts a date-only phrase at midnight or at the current time, so "no time given"
cannot be told from its answer), reads repeat words into an RRULE (`todos.recurrence`), and
knows a few phrases dateparser does not ("end of the month", "this weekend", "by 5"). Words it
cannot read are `InvalidDueString`, never a guess.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser

from todos.errors import InvalidDueString, InvalidRecurrence
from todos.recurrence import NUMBERS, clean_rule, first_on_or_after, next_after, repeat_phrase

DUE_STRING_MAX_LENGTH = 100
# "tonight" without a time: the evening.
TONIGHT = time(20, 0)


@dataclass(frozen=True)
class ParsedDue:
    """A due moment in the owner's zone: a date, maybe a local time, maybe a repeat rule."""

    due_date: date
    due_time: time | None = None
    recurrence: str | None = None


_MERIDIEM = r"(?:\s*([ap])\.?m\.?)"
_TIMES = [
    # "at 5pm", "by 5", "@ 17:30", "at noon"
    re.compile(rf"\b(?:at|by|@)\s*(\d{{1,2}})(?::(\d{{2}}))?{_MERIDIEM}?(?!\S)"),
    # "5pm", "9:30 am"
    re.compile(rf"\b(\d{{1,2}})(?::(\d{{2}}))?{_MERIDIEM}(?!\S)"),
    # "17:30"
    re.compile(r"\b(\d{1,2}):(\d{2})()(?!\S)"),
]
_NOON = re.compile(r"\b(?:at |by )?(noon|midday)\b")
_IN_HOURS = re.compile(r"^in (\d{1,3}|an?|" + "|".join(NUMBERS) + r") (hour|minute|min)s?$")
_FILLER = re.compile(r"^(?:due|on|by|for)\s+|\s+(?:due)$")


def _time_of(match: re.Match[str]) -> time:
    hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "")
    if meridiem and not 1 <= hour <= 12:
        raise InvalidDueString()
    if meridiem == "p" and hour != 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    elif not meridiem and 1 <= hour <= 6 and match.group(2) is None:
        hour += 12  # "at 5", "by 5": nobody means five in the morning
    if hour > 23 or minute > 59:
        raise InvalidDueString()
    return time(hour, minute)


def _take_time(text: str) -> tuple[time | None, str]:
    if match := _NOON.search(text):
        return time(12, 0), " ".join((text[: match.start()] + text[match.end() :]).split())
    for pattern in _TIMES:
        if match := pattern.search(text):
            return _time_of(match), " ".join((text[: match.start()] + text[match.end() :]).split())
    return None, text


def _special_date(text: str, *, today: date) -> date | None:
    """The phrases dateparser does not read, or reads as something else."""
    if text in ("today", "tonight", "this evening"):
        return today
    if text == "tomorrow":
        return today + timedelta(days=1)
    if text in ("end of the month", "end of month", "the end of the month", "eom"):
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if text in ("end of the week", "end of week", "eow"):
        return today + timedelta(days=6 - today.weekday())
    if text in ("this weekend", "weekend", "the weekend", "next weekend"):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            saturday = today
        return saturday + timedelta(days=7) if text == "next weekend" and today.weekday() < 5 else saturday
    return None


def _parse_date(text: str, *, now: datetime) -> date:
    if (special := _special_date(text, today=now.date())) is not None:
        return special
    # Digits alone ("5", "14") are not a date: dateparser would make one up.
    if not re.search(r"[a-z]", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidDueString() from None
    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"},
    )
    if parsed is None:
        raise InvalidDueString()
    day: date = parsed.date()
    return day


def _in_hours(text: str, *, now: datetime) -> ParsedDue | None:
    if not (match := _IN_HOURS.match(text)):
        return None
    count = match.group(1)
    amount = int(count) if count.isdigit() else NUMBERS.get(count, 1)
    moment = now + (timedelta(hours=amount) if match.group(2) == "hour" else timedelta(minutes=amount))
    return ParsedDue(due_date=moment.date(), due_time=moment.time().replace(second=0, microsecond=0))


def _repeating(rule: str, rest: str, at: time | None, *, now: datetime) -> ParsedDue:
    """The first occurrence from now on (or from the start date the words name)."""
    start = _parse_date(rest, now=now) if rest else now.date()
    try:
        clean_rule(rule, start=start)
    except InvalidRecurrence:
        raise InvalidDueString() from None
    local_now = now.replace(tzinfo=None)
    first = first_on_or_after(rule, moment=datetime.combine(start, at or time()))
    if first is not None and at is not None and first < local_now:
        first = next_after(rule, due=first)
    if first is None:
        raise InvalidDueString()
    return ParsedDue(due_date=first.date(), due_time=at, recurrence=rule)


def parse_due(words: object, *, now: datetime) -> ParsedDue:
    """Read `words` as a due moment; `now` is the owner's local now (aware, in their zone), the
    base of relative words. `InvalidDueString` if they cannot be read."""
    if not isinstance(words, str) or not words.strip() or len(words) > DUE_STRING_MAX_LENGTH:
        raise InvalidDueString()
    text = " ".join(words.lower().replace(",", " , ").split()).replace(" ,", ",")
    if (hours := _in_hours(text, now=now)) is not None:
        return hours
    at, text = _take_time(text)
    if "tonight" in text.split() and at is None:
        at = TONIGHT
    elif "tonight" in text.split() and at is not None and at.hour < 12:
        at = at.replace(hour=at.hour + 12)
    if repeat := repeat_phrase(text):
        rule, rest = repeat
        return _repeating(rule, _FILLER.sub("", rest).strip(" ,"), at, now=now)
    text = _FILLER.sub("", text).strip(" ,")
    if not text:
        if at is None:
            raise InvalidDueString()
        # A time alone: today if it is still ahead, else tomorrow.
        today = now.date()
        return ParsedDue(due_date=today if at > now.time() else today + timedelta(days=1), due_time=at)
    return ParsedDue(due_date=_parse_date(text, now=now), due_time=at)
