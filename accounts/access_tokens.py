"""Personal access tokens: long-lived credentials a user makes for a program (an MCP client,
a script), sent as `Authorization: Bearer tdo_...` to the REST API and to `/mcp`.

A token is `tdo_` and 43 characters of `secrets.token_urlsafe` (256 random bits). Only its
SHA-256 is stored: a fast hash is enough for a random secret of that size, and lets a request
find its token with one indexed lookup. The prefix tells a token from a JWT (which starts with
`eyJ`) before any lookup, and makes a leaked token easy to recognise (secret scanners).

`last_used_at` is written at most once a minute per token, so using a token is a read, not a
write, on almost every request.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import PersonalAccessToken, User
from config.errors import DomainError

PREFIX = "tdo_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class AccessTokenNotFound(DomainError):
    status_code = 404
    code = "token_not_found"
    default_detail = "No such access token."


class InvalidAccessToken(Exception):
    """The token is unknown (never made, revoked) or its user is inactive."""


@dataclass(frozen=True)
class NewAccessToken:
    """A token just made: the stored row and the value, which exists only here."""

    token: PersonalAccessToken
    value: str


def looks_like_access_token(value: str) -> bool:
    return value.startswith(PREFIX)


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_access_token(*, user: User, name: str) -> NewAccessToken:
    value = PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(user=user, name=name, token_hash=token_hash(value))
    return NewAccessToken(token=token, value=value)


def access_tokens_of(*, user: User) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(user=user)


def revoke_access_token(*, user: User, token_id: int) -> None:
    deleted, _ = PersonalAccessToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise AccessTokenNotFound()


def authenticate_access_token(value: str) -> PersonalAccessToken:
    """The token `value` names, its user loaded, noting its use. Raises `InvalidAccessToken`."""
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(token_hash=token_hash(value), user__is_active=True)
        .first()
    )
    if token is None:
        raise InvalidAccessToken()
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so concurrent requests of one minute write it once between them.
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        PersonalAccessToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
