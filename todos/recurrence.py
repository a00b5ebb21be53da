"""Repeating tasks: an RFC 5545 RRULE body ("FREQ=WEEKLY;BYDAY=MO") read with dateutil.

A rule is stored as its body only; its start is the task's current due date, so the next
occurrence is always computed from the due moment the task has now. Occurrences are naive
local date-times in the owner's zone: a "9:00" stays 9:00 across a DST change.

`repeat_phrase` is the thin layer dateutil lacks: plain repeat words ("every other week",
"weekdays", "monthly on the 1st", "every december") turned into a rule.
"""

import re
from datetime import date, datetime, time

from dateutil.rrule import rrule, rrulestr

from todos.errors import InvalidRecurrence

RECURRENCE_MAX_LENGTH = 200
MAX_INTERVAL = 999
# The parts each frequency takes. Rules finer than a day make no sense for a task with a due
# date; a COUNT would restart from each new due date. dateutil walks a rule period by period
# until one matches, so a daily rule that can never match ("BYMONTH=2;BYMONTHDAY=30") would
# walk day by day to the year 9999: day-of-month and month filters need a monthly or yearly rule.
_COMMON = {"FREQ", "INTERVAL", "UNTIL", "WKST", "BYDAY"}
_PARTS = {
    "DAILY": _COMMON,
    "WEEKLY": _COMMON,
    "MONTHLY": _COMMON | {"BYMONTHDAY"},
    "YEARLY": _COMMON | {"BYMONTHDAY", "BYMONTH"},
}

WEEKDAYS = {
    "monday": "MO", "mon": "MO", "tuesday": "TU", "tue": "TU", "tues": "TU",
    "wednesday": "WE", "wed": "WE", "thursday": "TH", "thu": "TH", "thur": "TH", "thurs": "TH",
    "friday": "FR", "fri": "FR", "saturday": "SA", "sat": "SA", "sunday": "SU", "sun": "SU",
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "other": 2, "second": 2}
_UNITS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_PLAIN = [
    (re.compile(r"\b(?:every|each) ?day\b|\bdaily\b"), "FREQ=DAILY"),
    (re.compile(r"\b(?:every|each|on) weekdays?\b|\bweekdays\b"), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    (re.compile(r"\b(?:every|each) weekend\b|\bweekends\b"), "FREQ=WEEKLY;BYDAY=SA,SU"),
    (re.compile(r"\b(?:every|each) week\b|\bweekly\b"), "FREQ=WEEKLY"),
    (re.compile(r"\b(?:every|each) month\b|\bmonthly\b"), "FREQ=MONTHLY"),
    (re.compile(r"\b(?:every|each) year\b|\byearly\b|\bannually\b"), "FREQ=YEARLY"),
]
_INTERVAL = re.compile(r"\bevery (\d{1,3}|" + "|".join(NUMBERS) + r") (day|week|month|year)s?\b")
_DAYS = rf"((?:{_WEEKDAY})s?(?:(?:\s*,\s*|\s+and\s+|\s+)(?:{_WEEKDAY})s?)*)\b"
_EVERY_WEEKDAY = re.compile(rf"\b(?:every|each) {_DAYS}")
_ON_WEEKDAY = re.compile(rf"\bon {_DAYS}")
_EVERY_MONTH = re.compile(rf"\b(?:every|each) ({_MONTH})(?: {_ORDINAL})?\b")
_MONTH_DAY = re.compile(rf"\bon the (?:{_ORDINAL}|(last)(?: day)?)\b")


def _cut(text: str, match: re.Match[str]) -> str:
    return " ".join((text[: match.start()] + " " + text[match.end() :]).split())


def _weekdays(words: str) -> str:
    names = re.findall(_WEEKDAY, words)
    return ",".join(dict.fromkeys(WEEKDAYS[name] for name in names))


def repeat_phrase(text: str) -> tuple[str, str] | None:
    """The rule that `text` (lower case) asks for and the text left without its repeat words,
    or None when it holds none."""
    if match := _EVERY_MONTH.search(text):
        day = match.group(2) or "1"
        return f"FREQ=YEARLY;BYMONTH={MONTHS[match.group(1)]};BYMONTHDAY={int(day)}", _cut(text, match)
    rule = ""
    if match := _INTERVAL.search(text):
        count = match.group(1)
        interval = int(count) if count.isdigit() else NUMBERS[count]
        rule = f"FREQ={_UNITS[match.group(2)]}" + (f";INTERVAL={interval}" if interval != 1 else "")
        text = _cut(text, match)
    else:
        for pattern, plain in _PLAIN:
            if match := pattern.search(text):
                rule, text = plain, _cut(text, match)
                break
    if not rule and (match := _EVERY_WEEKDAY.search(text)):
        rule, text = f"FREQ=WEEKLY;BYDAY={_weekdays(match.group(1))}", _cut(text, match)
    elif rule.startswith("FREQ=WEEKLY") and "BYDAY" not in rule and (match := _ON_WEEKDAY.search(text)):
        rule, text = rule + f";BYDAY={_weekdays(match.group(1))}", _cut(text, match)
    if rule.startswith("FREQ=MONTHLY") and (match := _MONTH_DAY.search(text)):
        rule += f";BYMONTHDAY={-1 if match.group(2) else int(match.group(1))}"
        text = _cut(text, match)
    return (rule, text) if rule else None


def _rule(body: str, *, start: datetime) -> rrule:
    parsed = rrulestr(body, dtstart=start)
    if not isinstance(parsed, rrule):  # pragma: no cover - a body without RDATE/EXDATE is one rule
        raise InvalidRecurrence()
    return parsed


def _check_parts(body: str) -> None:
    parts = [part.partition("=") for part in body.split(";")]
    names = [name for name, _, _ in parts]
    values = {name: value for name, _, value in parts}
    frequency = values.get("FREQ", "")
    if frequency not in _PARTS or len(set(names)) != len(names) or not set(names) <= _PARTS[frequency]:
        raise InvalidRecurrence()
    if any(not value for value in values.values()):
        raise InvalidRecurrence()
    interval = values.get("INTERVAL", "1")
    # dateutil loops for ever on an interval of 0.
    if not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
        raise InvalidRecurrence()
    for name, limit in (("BYMONTHDAY", 31), ("BYMONTH", 12)):
        for number in values.get(name, "1").split(","):
            if not re.fullmatch(r"-?\d{1,2}", number) or not 1 <= abs(int(number)) <= limit:
                raise InvalidRecurrence()
    if values.get("BYMONTH", "1").startswith("-"):
        raise InvalidRecurrence()


def clean_rule(value: object, *, start: date) -> str:
    """The rule body, upper case; `InvalidRecurrence` unless dateutil reads it as one rule
    that repeats by days or longer and has an occurrence from `start` on."""
    if not isinstance(value, str):
        raise InvalidRecurrence()
    body = value.strip().upper().removeprefix("RRULE:")
    if not body or len(body) > RECURRENCE_MAX_LENGTH or not body.isascii() or not body.isprintable():
        raise InvalidRecurrence()
    _check_parts(body)
    if first_on_or_after(body, moment=datetime.combine(start, time())) is None:
        raise InvalidRecurrence()
    return body


def first_on_or_after(body: str, *, moment: datetime) -> datetime | None:
    """The rule's first occurrence at or after `moment` (naive local), which is its start;
    None if it has none (within the search's reach)."""
    try:
        following: datetime | None = _rule(body, start=moment).after(moment, inc=True)
    except (ValueError, TypeError, KeyError, OverflowError):
        raise InvalidRecurrence() from None
    return following


def next_after(body: str, *, due: datetime) -> datetime | None:
    """The occurrence after `due` (naive local) when the rule starts at `due`; None if it ended."""
    try:
        following: datetime | None = _rule(body, start=due).after(due)
    except (OverflowError, ValueError):
        return None  # past the last date there is
    return following
