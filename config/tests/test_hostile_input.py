"""A sweep of hostile input against every endpoint: no input gives a 5xx.

The endpoints are read from the URL configuration (everything under `api/`), so an endpoint
added later is swept too; each is sent every method with each hostile body, header and query.
What must hold: no 5xx, and an API error is JSON in the documented shape: `{"detail", "code"}`,
or field errors (a 400 body without `detail`, whose keys are fields). The schema and the HTML pages
(Swagger UI, the browsable API's session login) and the browsable API itself (`Accept: text/html`) are held
to no 5xx only. `test_api_fuzzing.py` fuzzes with schema-shaped input; this sends what a schema
does not describe.
"""

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.settings import api_settings

from accounts.models import User
from chat.tests.factories import ConversationFactory
from conftest import client_for
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# Pages and documents rather than the JSON API: held to no 5xx only.
DOCUMENT_ROUTES = {"api/schema/", "api/docs/", "api/auth/session/login/", "api/auth/session/logout/"}
BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 4  # 10 MB
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route


def api_routes() -> list[str]:
    """Every route under `api/`, e.g. `api/<uuid:user_id>/tasks/<int:task_id>`."""
    return sorted({route.lstrip("^").rstrip("$") for route in _walk(get_resolver().url_patterns)} - {""})


def test_the_sweep_reaches_every_endpoint_of_the_issue() -> None:
    routes = [route for route in api_routes() if route.startswith("api/")]
    for expected in (
        "api/auth/register",
        "api/auth/token",
        "api/auth/token/refresh",
        "api/auth/me",
        "api/<uuid:user_id>/tasks",
        "api/<uuid:user_id>/tasks/<int:task_id>",
        "api/<uuid:user_id>/tasks/<int:task_id>/complete",
        "api/<uuid:user_id>/chat",
        "api/<uuid:user_id>/conversations",
        "api/<uuid:user_id>/conversations/<uuid:conversation_id>",
    ):
        assert expected in routes


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def form(fields: dict[str, str]) -> str:
    return "&".join(f"{name}={value}" for name, value in fields.items())


FIELDS = ("title", "description", "completed", "message", "conversation_id", "username", "password", "refresh")


def every_field(value: str) -> str:
    """A JSON object giving `value` (JSON text) to every field any endpoint reads."""
    return "{" + ", ".join(f'"{name}": {value}' for name in FIELDS) + "}"


# name: (content type, body)
BODIES: dict[str, tuple[str, str | bytes]] = {
    "nested arrays": (JSON, nested(100_000)),
    "nested objects": (JSON, '{"a":' * 100_000 + "1" + "}" * 100_000),
    "nested in every field": (JSON, every_field(nested(20_000))),
    "nested, just over the limit": (JSON, every_field(nested(32))),
    "nested, brackets in strings": (JSON, every_field('"' + "[" * 100_000 + '"')),
    "10 MB of JSON": (JSON, json.dumps({"title": "x" * BIG})),
    "10 MB of form": (FORM, "title=" + "x" * BIG),
    "10 MB without a content type": ("", "x" * BIG),
    "2000 form fields": (FORM, form({f"f{index}": "x" for index in range(2000)})),
    "invalid UTF-8 JSON": (JSON, b'{"title": "\xff\xfe", "message": "\xc3\x28", "username": "\xed\xa0\x80"}'),
    "invalid UTF-8 form": (FORM, b"title=\xff\xfe&message=\xc3\x28&username=%ff"),
    "UTF-16 JSON": (f"{JSON}; charset=utf-16", every_field('"x"').encode("utf-16")),
    "unknown charset": (f"{JSON}; charset=no-such-charset", every_field('"x"')),
    "decompressing charset": (f"{JSON}; charset=zlib_codec", every_field('"x"')),
    "text/plain": ("text/plain", every_field('"x"')),
    "XML": ("application/xml", "<title>x</title>"),
    "binary": ("application/octet-stream", bytes(range(256)) * 100),
    "multipart without boundary": ("multipart/form-data", "title=x"),
    "broken multipart": ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data\r\n\r\n\x00"),
    "NUL in strings": (JSON, every_field('"a\\u0000b"')),
    "raw NUL": (JSON, b'{"title": "a\x00b", "message": "\x00"}'),
    "NUL in form": (FORM, "title=a%00b&message=%00&username=%00&password=%00"),
    "lone surrogates": (JSON, every_field('"\\ud800\\udfff\\udc00"')),
    "1e999": (JSON, every_field("1e999")),
    "-1e999": (JSON, every_field("-1e999")),
    "5000 digits": (JSON, every_field("1" + "0" * 5000)),
    "4000 digits": (JSON, every_field("1" + "0" * 4000)),
    "NaN and Infinity": (JSON, '{"title": NaN, "completed": Infinity, "message": -Infinity}'),
    "an array": (JSON, "[]"),
    "an array of objects": (JSON, '[{"title": "x", "message": "x"}]'),
    "a string": (JSON, '"title"'),
    "null": (JSON, "null"),
    "a number": (JSON, "123"),
    "true": (JSON, "true"),
    "arrays in fields": (JSON, every_field('["x"]')),
    "objects in fields": (JSON, every_field('{"x": 1}')),
    "nulls in fields": (JSON, every_field("null")),
    "booleans in fields": (JSON, every_field("true")),
    "long strings in fields": (JSON, every_field(json.dumps("x" * 100_000))),
    "odd conversation ids": (JSON, '{"message": "hi", "conversation_id": "not-a-uuid"}'),
    "unknown conversation": (JSON, json.dumps({"message": "add milk", "conversation_id": str(uuid.uuid4())})),
    "odd refresh tokens": (JSON, '{"refresh": "a.b.c"}'),
    "empty JSON body": (JSON, ""),
    "whitespace": (JSON, " \n\t "),
    "a BOM": (JSON, b"\xef\xbb\xbf" + every_field('"x"').encode()),
    "duplicate keys": (JSON, '{"title": "a", "title": "b", "message": "x", "message": "y"}'),
    "truncated JSON": (JSON, '{"title": "x'),
    "escaped quotes then brackets": (JSON, '"' + '\\"' * 50_000 + "[" * 100),
}

BROWSABLE = {"10 MB of JSON", "2000 form fields", "nested arrays", "invalid UTF-8 JSON", "an array", "1e999"}


@pytest.fixture
def seeded(user: User) -> dict[str, uuid.UUID | int]:
    """The caller, a task and a conversation, so that every path reaches its view."""
    task = TodoFactory.create(owner=user)
    conversation = ConversationFactory.create(owner=user)
    return {"user_id": user.pk, "task_id": task.number, "conversation_id": conversation.pk}


def fill(route: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if name in values:
            return str(values[name])
        return {"int": "1", "uuid": str(uuid.uuid4())}.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def check(route: str, method: str, response: Any, *, html: bool = False) -> str | None:
    """What is wrong with this response, or None."""
    label = f"{method.upper()} /{route} -> {response.status_code}"
    if response.status_code >= 500:
        return f"{label}: {response.content[:200]!r}"
    if html or route in DOCUMENT_ROUTES or response.status_code < 400:
        return None
    if not response.get("Content-Type", "").startswith("application/json"):
        return f"{label}: not JSON but {response.get('Content-Type')}: {response.content[:120]!r}"
    body = response.json()
    if not isinstance(body, dict) or not body:
        return f"{label}: {body!r}"
    if "detail" in body:
        if not isinstance(body.get("code"), str):
            return f"{label}: no code in {body!r}"
    elif not all(isinstance(errors, list | dict) for errors in body.values()):
        return f"{label}: neither {{detail, code}} nor field errors: {body!r}"
    return None


def sweep(
    client: APIClient, values: dict[str, Any], *, query: str = "", html: bool = False, **request: Any
) -> list[str]:
    """Every method (DELETE last, so the others find the task and conversation) on every route."""
    problems = []
    for method in METHODS:
        for route in api_routes():
            if route.startswith("api/"):
                path = fill(route, values) + (f"?{query}" if query else "")
                response = client.generic(method.upper(), path, **request)
                if problem := check(route, method, response, html=html):
                    problems.append(problem)
    return problems


@pytest.mark.parametrize("name", BODIES)
def test_no_body_gives_a_5xx_on_any_endpoint(seeded: dict[str, uuid.UUID | int], user: User, name: str) -> None:
    content_type, body = BODIES[name]
    client = client_for(user)
    assert sweep(client, seeded, data=body, content_type=content_type) == []


@pytest.mark.parametrize("name", BODIES)
def test_no_body_gives_a_5xx_on_any_endpoint_unauthenticated(seeded: dict[str, uuid.UUID | int], name: str) -> None:
    content_type, body = BODIES[name]
    assert sweep(APIClient(), seeded, data=body, content_type=content_type) == []


@pytest.mark.parametrize("name", sorted(BROWSABLE))
def test_no_body_gives_a_5xx_in_the_browsable_api(seeded: dict[str, uuid.UUID | int], user: User, name: str) -> None:
    content_type, body = BODIES[name]
    client = client_for(user)
    assert sweep(client, seeded, html=True, data=body, content_type=content_type, HTTP_ACCEPT="text/html") == []


def signed(**claims: Any) -> str:
    now = int(time.time())
    payload = {"token_type": "access", "exp": now + 300, "iat": now, "jti": "x", **claims}
    return TokenBackend(api_settings.ALGORITHM, api_settings.SIGNING_KEY).encode(payload)


def odd_headers(user_id: uuid.UUID) -> dict[str, dict[str, str]]:
    return {
        "garbage token": {"HTTP_AUTHORIZATION": "Bearer garbage"},
        "three parts": {"HTTP_AUTHORIZATION": "Bearer a b"},
        "latin-1 token": {"HTTP_AUTHORIZATION": "Bearer \xff\xfe.\xfd.\xfc"},
        "nested header": {"HTTP_AUTHORIZATION": "Bearer W1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tb.e30.x"},
        "user_id not a uuid": {"HTTP_AUTHORIZATION": f"Bearer {signed(user_id='not-a-uuid')}"},
        "user_id an object": {"HTTP_AUTHORIZATION": f"Bearer {signed(user_id={'id': 1})}"},
        "exp 10**30": {"HTTP_AUTHORIZATION": f"Bearer {signed(user_id=str(user_id), exp=10**30)}"},
        "no user_id": {"HTTP_AUTHORIZATION": f"Bearer {signed()}"},
        "unknown user": {"HTTP_AUTHORIZATION": f"Bearer {signed(user_id=str(uuid.uuid4()))}"},
        "a refresh token": {"HTTP_AUTHORIZATION": f"Bearer {signed(user_id=str(user_id), token_type='refresh')}"},
        "basic auth": {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
        "empty": {"HTTP_AUTHORIZATION": ""},
        "odd accept": {"HTTP_ACCEPT": "application/xml"},
        "malformed accept": {"HTTP_ACCEPT": ";;;,,,=*/*/*"},
        "idempotency key blank": {"HTTP_IDEMPOTENCY_KEY": " "},
        "idempotency key too long": {"HTTP_IDEMPOTENCY_KEY": "k" * 10_000},
        "idempotency key latin-1": {"HTTP_IDEMPOTENCY_KEY": "\xff"},
        "content length lies": {"CONTENT_LENGTH": "99999999999"},
        "content length negative": {"CONTENT_LENGTH": "-1"},
        "content length not a number": {"CONTENT_LENGTH": "lots"},
        "odd forwarded for": {"HTTP_X_FORWARDED_FOR": "\x00, ::::, 999.1.1.1"},
    }


HEADER_CASES = list(odd_headers(uuid.uuid4()))


@pytest.mark.parametrize("name", HEADER_CASES)
def test_no_header_gives_a_5xx_on_any_endpoint(seeded: dict[str, uuid.UUID | int], user: User, name: str) -> None:
    headers: dict[str, Any] = odd_headers(user.pk)[name]  # request keywords for `sweep`
    client = APIClient() if "HTTP_AUTHORIZATION" in headers else client_for(user)
    body = json.dumps({"title": "t", "message": "list my tasks", "username": "u", "password": "p", "refresh": "r"})
    assert sweep(client, seeded, data=body, content_type=JSON, **headers) == []


QUERIES = [
    "page=1e400",
    "page=-1",
    "page=99999999999999999999999999",
    "page=%00",
    "status=%00",
    "status=pending&status=done",
    "status=" + "x" * 10_000,
    "format=xml",
    "format=%00",
    "%ff%fe=%c3%28",
    "&".join(f"q{index}=x" for index in range(2000)),
]


@pytest.mark.parametrize("query", QUERIES, ids=[query[:30] for query in QUERIES])
def test_no_query_string_gives_a_5xx_on_any_endpoint(
    seeded: dict[str, uuid.UUID | int], user: User, query: str
) -> None:
    assert sweep(client_for(user), seeded, query=query) == []


def test_odd_path_values_are_json_404(user: User) -> None:
    client = client_for(user)
    for path in (
        f"/api/{user.pk}/tasks/99999999999999999999999999",
        f"/api/{user.pk}/tasks/-1",
        f"/api/{user.pk}/tasks/%00",
        f"/api/{user.pk}/conversations/not-a-uuid",
        "/api/not-a-uuid/tasks",
        "/api/%00/tasks",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] in ("not_found", "task_not_found"), path
