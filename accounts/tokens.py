"""The JWTs this service accepts: simplejwt's, read so that every problem with a token is a
`TokenError` (a 401 `token_not_valid`), never a 500.

simplejwt checks the signature and then trusts the claims: an `exp` past the year 9999 overflows
`datetime`, and a `user_id` that is not a UUID reaches the database lookup (a 500 in Django's
`UUIDField`). A validly signed token can still carry such claims (a token from another service
sharing the key, a bug, a leaked key), so these classes check the claims they rely on.
"""

import uuid
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings

# What reading the claims of a validly signed token can raise besides TokenError: datetime's
# overflow for a far `exp` (OverflowError, ValueError or OSError by platform), a claim of the
# wrong type (TypeError), deep JSON (RecursionError).
CLAIM_ERRORS = (ValueError, TypeError, ArithmeticError, OSError, LookupError, RecursionError)


class CheckedClaimsToken(tokens.Token):
    """A token whose claims are checked: its `user_id` is a UUID, and any failure is a TokenError."""

    def __init__(self, token: Any = None, verify: bool = True) -> None:
        try:
            super().__init__(token, verify=verify)
        except TokenError:
            raise
        except CLAIM_ERRORS as error:
            raise TokenError(_("Token is invalid")) from error

    def verify(self) -> None:
        super().verify()
        self.user_id()

    def user_id(self) -> uuid.UUID:
        """The id of the token's user (the only claim besides simplejwt's own that is read)."""
        value = self.payload.get(api_settings.USER_ID_CLAIM)
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                pass
        raise TokenError(_("Token contained no recognizable user identification"))


class AccessToken(CheckedClaimsToken, tokens.AccessToken):
    pass


# simplejwt's own RefreshToken mixes the same two bases; its stubs disagree on `for_user`.
class RefreshToken(CheckedClaimsToken, tokens.RefreshToken):  # type: ignore[misc]
    access_token_class = AccessToken
