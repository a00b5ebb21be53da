"""Every token problem is a 401 JSON error with a `code`, never a 500.

The tokens here are validly signed with the project's key (`SIMPLE_JWT`'s signing key,
`SECRET_KEY` by default) but carry odd claims, so they get past the signature check and reach
the code that reads the claims. Each is tried as an access token (`Authorization: Bearer`)
and, typed as a refresh token, at `/api/auth/token/refresh`.
"""

import base64
import hashlib
import hmac
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from accounts.tests.factories import UserFactory

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db

DROP = object()  # as a claim's value: leave the claim out


def sign(payload: dict[str, Any]) -> str:
    """A token signed as simplejwt signs its own."""
    backend = TokenBackend(api_settings.ALGORITHM, api_settings.SIGNING_KEY)
    return backend.encode(payload)


HEADER = b'{"alg": "HS256", "typ": "JWT"}'


def sign_raw(payload: bytes) -> str:
    """A token whose payload is these exact bytes (not necessarily a JSON object), signed HS256."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{part(HEADER)}.{part(payload)}"
    signature = hmac.new(api_settings.SIGNING_KEY.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def claims(token_type: str, user_id: Any, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    now = int(time.time())
    payload = {"token_type": token_type, "exp": now + 300, "iat": now, "jti": uuid.uuid4().hex, "user_id": user_id}
    payload.update(overrides or {})
    return {name: value for name, value in payload.items() if value is not DROP}


ODD_CLAIMS = {
    "user_id not a uuid": {"user_id": "not-a-uuid"},
    "user_id an int": {"user_id": 123},
    "user_id zero": {"user_id": 0},
    "user_id empty": {"user_id": ""},
    "user_id null": {"user_id": None},
    "user_id missing": {"user_id": DROP},
    "user_id a list": {"user_id": ["a"]},
    "user_id an object": {"user_id": {"id": 1}},
    "user_id true": {"user_id": True},
    "user_id a float": {"user_id": 1.5},
    "user_id a huge int": {"user_id": 10**40},
    "user_id with NUL": {"user_id": "\x00"},
    "exp 10**30": {"exp": 10**30},
    "exp -10**30": {"exp": -(10**30)},
    "exp 1e300": {"exp": 1e300},
    "exp in year 10000": {"exp": 253402300800},
    "exp a string": {"exp": "soon"},
    "exp null": {"exp": None},
    "exp a list": {"exp": []},
    "exp true": {"exp": True},
    "exp missing": {"exp": DROP},
    "iat 10**30": {"iat": 10**30},
    "iat a string": {"iat": "then"},
    "nbf 10**30": {"nbf": 10**30},
    "jti an int": {"jti": 123},
    "jti null": {"jti": None},
    "jti a list": {"jti": []},
    "jti missing": {"jti": DROP},
    "token_type null": {"token_type": None},
    "token_type a list": {"token_type": ["access", "refresh"]},
    "token_type missing": {"token_type": DROP},
    "wrong token_type": {"token_type": "sliding"},
}

RAW_PAYLOADS = {
    "a list": b"[]",
    "a string": b'"user"',
    "null": b"null",
    "not JSON": b"{user_id:",
    "exp Infinity": b'{"token_type": "%s", "exp": Infinity, "jti": "x", "user_id": "%s"}',
    "exp NaN": b'{"token_type": "%s", "exp": NaN, "jti": "x", "user_id": "%s"}',
    "exp with 5000 digits": b'{"token_type": "%s", "exp": 1' + b"0" * 5000 + b', "jti": "x", "user_id": "%s"}',
    "nested 100000 deep": b'{"token_type": "%s", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b', "user_id": "%s"}',
    "invalid UTF-8": b'{"token_type": "%s", "jti": "\xff\xfe", "user_id": "%s"}',
}


def assert_token_error(response: "_MonkeyPatchedResponse", code: str = "token_not_valid") -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]


def raw(template: bytes, token_type: str, user_id: str) -> str:
    if b"%s" not in template:
        return sign_raw(template)
    return sign_raw(template % (token_type.encode(), user_id.encode()))


@pytest.mark.parametrize("overrides", ODD_CLAIMS.values(), ids=ODD_CLAIMS.keys())
def test_an_access_token_with_odd_claims_is_401(
    anonymous_client: APIClient, user: User, overrides: dict[str, Any]
) -> None:
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign(claims('access', str(user.pk), overrides))}")
    response = anonymous_client.get(f"/api/{user.pk}/tasks")
    assert_token_error(response)


@pytest.mark.parametrize("overrides", ODD_CLAIMS.values(), ids=ODD_CLAIMS.keys())
def test_a_refresh_token_with_odd_claims_is_401(
    anonymous_client: APIClient, user: User, overrides: dict[str, Any]
) -> None:
    token = sign(claims("refresh", str(user.pk), overrides))
    response = anonymous_client.post("/api/auth/token/refresh", {"refresh": token}, format="json")
    assert_token_error(response)


@pytest.mark.parametrize("template", RAW_PAYLOADS.values(), ids=RAW_PAYLOADS.keys())
def test_an_access_token_with_an_odd_payload_is_401(anonymous_client: APIClient, user: User, template: bytes) -> None:
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw(template, 'access', str(user.pk))}")
    assert_token_error(anonymous_client.get(f"/api/{user.pk}/tasks"))


@pytest.mark.parametrize("template", RAW_PAYLOADS.values(), ids=RAW_PAYLOADS.keys())
def test_a_refresh_token_with_an_odd_payload_is_401(anonymous_client: APIClient, user: User, template: bytes) -> None:
    token = raw(template, "refresh", str(user.pk))
    assert_token_error(anonymous_client.post("/api/auth/token/refresh", {"refresh": token}, format="json"))


def test_an_unknown_user_id_is_401_user_not_found(anonymous_client: APIClient, user: User) -> None:
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign(claims('access', str(uuid.uuid4())))}")
    assert_token_error(anonymous_client.get(f"/api/{user.pk}/tasks"), "user_not_found")


def test_the_refresh_token_of_a_deleted_user_is_401_user_not_found(anonymous_client: APIClient) -> None:
    user = UserFactory.create()
    refresh = str(RefreshToken.for_user(user))
    user.delete()
    response = anonymous_client.post("/api/auth/token/refresh", {"refresh": refresh}, format="json")
    assert_token_error(response, "user_not_found")


def test_the_access_token_of_a_deleted_user_is_401_user_not_found(anonymous_client: APIClient) -> None:
    user = UserFactory.create()
    access = str(AccessToken.for_user(user))
    user_id = user.pk
    user.delete()
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert_token_error(anonymous_client.get(f"/api/{user_id}/tasks"), "user_not_found")


def test_the_refresh_token_of_a_deactivated_user_is_401(anonymous_client: APIClient, user: User) -> None:
    refresh = str(RefreshToken.for_user(user))
    user.is_active = False
    user.save()
    response = anonymous_client.post("/api/auth/token/refresh", {"refresh": refresh}, format="json")
    assert_token_error(response, "no_active_account")


def test_a_refresh_token_is_not_an_access_token_and_back(anonymous_client: APIClient, user: User) -> None:
    refresh = RefreshToken.for_user(user)
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh}")
    assert_token_error(anonymous_client.get(f"/api/{user.pk}/tasks"))
    response = anonymous_client.post("/api/auth/token/refresh", {"refresh": str(refresh.access_token)}, format="json")
    assert_token_error(response)


def test_a_token_signed_with_another_key_is_401(anonymous_client: APIClient, user: User) -> None:
    token = TokenBackend(api_settings.ALGORITHM, "another-key-another-key-another-key").encode(
        claims("access", str(user.pk))
    )
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_token_error(anonymous_client.get(f"/api/{user.pk}/tasks"))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer a.b.c",
        "Bearer ...",
        "Bearer \xff\xfe.\xff.\xff",
        "Bearer " + "e" * 8000,
        "Bearer " + base64.urlsafe_b64encode(b"[" * 5000).decode() + ".e30.x",
    ],
    ids=["no token", "three parts", "not base64", "empty segments", "latin-1", "8000 chars", "nested header"],
)
def test_a_malformed_authorization_header_is_401(anonymous_client: APIClient, user: User, header: str) -> None:
    anonymous_client.credentials(HTTP_AUTHORIZATION=header)
    response = anonymous_client.get(f"/api/{user.pk}/tasks")
    assert response.status_code == 401
    assert response.json()["code"] in ("token_not_valid", "bad_authorization_header", "not_authenticated")


def test_a_well_formed_refresh_still_gives_a_working_access_token(anonymous_client: APIClient, user: User) -> None:
    token = sign(claims("refresh", str(user.pk)))
    response = anonymous_client.post("/api/auth/token/refresh", {"refresh": token}, format="json")
    assert response.status_code == 200
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert anonymous_client.get(f"/api/{user.pk}/tasks").status_code == 200


def test_a_user_id_in_another_uuid_spelling_is_the_same_user(anonymous_client: APIClient, user: User) -> None:
    token = sign(claims("access", user.pk.hex.upper()))
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert anonymous_client.get(f"/api/{user.pk}/tasks").status_code == 200
