"""A user's time zone: an IANA name (`Europe/Berlin`), read with `zoneinfo` (tzdata supplies the
zones where the system has none). It decides the user's "today" and what their due dates mean."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone

from accounts.models import User
from config.errors import InvalidInput

TIME_ZONE_MAX_LENGTH = 64


class InvalidTimeZone(InvalidInput):
    code = "invalid_time_zone"
    default_detail = "Unknown time zone: give an IANA name such as Europe/Berlin or UTC."


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def clean_time_zone(name: object) -> str:
    """The IANA zone `name`, or `InvalidTimeZone`. Only names in the zone list are taken, so a
    path-like name never reaches the file lookup of `ZoneInfo`."""
    if not isinstance(name, str) or name not in _zone_names():
        raise InvalidTimeZone()
    return name


def zone_named(name: str) -> ZoneInfo:
    """The zone `name`; UTC should a stored name no longer exist."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def now_in(name: str) -> datetime:
    """Now in the zone `name` (aware)."""
    return timezone.now().astimezone(zone_named(name))


def local_now(user: User) -> datetime:
    """Now in the user's zone (aware)."""
    return now_in(user.time_zone)
