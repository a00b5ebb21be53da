"""The limits on a request body (README, "Errors"), each refused with a JSON error and its code:
a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is 413 `request_too_large`, a form with more fields than
`DATA_UPLOAD_MAX_NUMBER_FIELDS` 400 `too_many_fields`, JSON nested deeper than `JSON_MAX_DEPTH`
400 `parse_error`, checked before the JSON is parsed."""

import json
import re

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.test import Client, RequestFactory
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from accounts.models import User
from config.parsers import JSONParser, json_depth_exceeds
from config.views import bad_request

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    """`depth` levels of nesting, alternating arrays and objects."""
    text = '"leaf"'
    for level in range(depth):
        text = f"[{text}]" if level % 2 else f'{{"k": {text}}}'
    return text


def test_the_limits_are_the_documented_ones() -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 100
    assert settings.JSON_MAX_DEPTH == 32


@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/token", "/api/auth/token/refresh"])
@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000])
def test_deeply_nested_json_is_400_parse_error_before_authentication(
    anonymous_client: APIClient, path: str, body: str
) -> None:
    response = anonymous_client.post(path, body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")
    assert "nested deeper than 32" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/{user}/tasks"),
        ("put", "/api/{user}/tasks/1"),
        ("patch", "/api/{user}/tasks/1"),
        ("post", "/api/{user}/chat"),
    ],
)
def test_deeply_nested_json_is_400_parse_error_on_every_json_endpoint(
    api_client: APIClient, user: User, method: str, path: str
) -> None:
    body = '{"title": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = getattr(api_client, method)(path.format(user=user.pk), body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_nesting_up_to_the_limit_is_parsed(api_client: APIClient, user: User) -> None:
    """The limit is on depth, not on how the body reads: 32 levels reach the serializer (which then
    rejects a non-string title as a field error); 33 do not."""
    at_limit = api_client.post(f"/api/{user.pk}/tasks", f'{{"title": {nested(31)}}}', content_type="application/json")
    assert at_limit.status_code == 400 and list(at_limit.json()) == ["title"]
    over = api_client.post(f"/api/{user.pk}/tasks", f'{{"title": {nested(32)}}}', content_type="application/json")
    assert (over.status_code, over.json()["code"]) == (400, "parse_error")


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('"[[[[[[["', 0),
        ('{"a": "]]]]{{{{"}', 1),
        (r'["\"[[[[", "\\", [[1]]]', 3),
        ("[" * 33 + "]" * 33, 33),
        ("[[]]" * 1000, 2),
        ("[{}, [{}], [[{}]]]", 4),
        ('{"k": [' * 16 + "]}" * 16, 32),
        ('{"k": [' * 16 + "1" + "]}" * 16, 32),
        ('"unterminated [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', 0),
        ('"' + '\\"' * 1000 + "[" * 40, 0),  # quotes that are escaped, then no closing one
    ],
)
def test_depth_is_counted_on_brackets_outside_strings(text: str, depth: int) -> None:
    assert not json_depth_exceeds(text, depth)
    assert json_depth_exceeds(text, depth - 1) == (depth > 0)


class CountingPattern:
    """A compiled pattern that adds the length of each text it scans to `scanned`."""

    def __init__(self, pattern: re.Pattern[str], scanned: list[int]) -> None:
        self.pattern, self.scanned = pattern, scanned

    def sub(self, replacement: str, text: str) -> str:
        self.scanned.append(len(text))
        return self.pattern.sub(replacement, text)


@pytest.mark.parametrize(
    "body",
    [
        "[]" * (2_621_440 // 2),  # the largest allowed body, all brackets, each pair one level
        "[" * 1_310_720 + "]" * 1_310_720,  # as large, nested as deep as it can be
        '["' + "[" * 2_621_430 + '"]',  # as large, the brackets inside a string
    ],
)
def test_depth_check_work_is_bounded_on_the_largest_body(monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """The check scans the text a bounded number of times (two expressions, then at most one
    pass per allowed level), whatever the body: work bounded by its size, not by a clock."""
    import config.parsers

    assert len(body) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    scanned: list[int] = []
    monkeypatch.setattr(config.parsers, "_STRING", CountingPattern(config.parsers._STRING, scanned))
    monkeypatch.setattr(config.parsers, "_NOT_BRACKETS", CountingPattern(config.parsers._NOT_BRACKETS, scanned))
    one_pass = config.parsers._without_innermost_pairs

    def counted_pass(text: str) -> str:
        scanned.append(len(text))
        return one_pass(text)

    monkeypatch.setattr(config.parsers, "_without_innermost_pairs", counted_pass)
    json_depth_exceeds(body, 32)
    assert len(scanned) <= 2 + 32
    assert sum(scanned) <= (2 + 32) * len(body)


def test_the_parser_also_turns_a_recursion_error_into_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The depth check comes first; should the parser still recurse too deep, it is a 400 too."""
    import io

    monkeypatch.setattr("config.parsers.json_depth_exceeds", lambda text, limit: False)
    with pytest.raises(ParseError, match="nested too deeply"):
        JSONParser().parse(io.BytesIO(b"[" * 100_000 + b"]" * 100_000), "application/json", {})


def test_the_parser_reads_what_drfs_reads() -> None:
    import io

    body = json.dumps({"title": "caf\u00e9 \u2615", "n": [1, 2.5, None, True]}).encode()
    assert JSONParser().parse(io.BytesIO(body), "application/json", {}) == json.loads(body)
    latin = '{"title": "caf\u00e9"}'.encode("latin-1")
    assert JSONParser().parse(io.BytesIO(latin), "application/json", {"encoding": "latin-1"}) == {"title": "caf\u00e9"}
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(b'{"n": NaN}'), "application/json", {})


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_the_limit_is_413_request_too_large(api_client: APIClient, user: User, content_type: str) -> None:
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    body = json.dumps({"title": "x" * size}) if content_type == "application/json" else "title=" + "x" * size
    response = api_client.post(f"/api/{user.pk}/tasks", body, content_type=content_type)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than the limit of 2621440 bytes.",
        "code": "request_too_large",
    }


def test_a_10_mb_body_is_413_at_the_unauthenticated_endpoints(anonymous_client: APIClient) -> None:
    body = json.dumps({"username": "x" * 10_000_000, "password": "y"})
    for path in ("/api/auth/register", "/api/auth/token", "/api/auth/token/refresh"):
        response = anonymous_client.post(path, body, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (413, "request_too_large")


def test_a_body_at_the_limit_is_read(api_client: APIClient, user: User) -> None:
    padding = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(json.dumps({"title": "t", "description": ""}))
    body = json.dumps({"title": "t", "description": "d" * padding})
    assert len(body) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = api_client.post(f"/api/{user.pk}/tasks", body, content_type="application/json")
    assert response.status_code == 400 and list(response.json()) == ["description"]  # too long, but read


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_form_with_too_many_fields_is_400_too_many_fields(
    api_client: APIClient, user: User, content_type: str
) -> None:
    fields = {f"field{index}": "x" for index in range(2000)}
    if content_type == "multipart/form-data":
        response = api_client.post(f"/api/{user.pk}/tasks", fields, format="multipart")
    else:
        body = "&".join(f"{name}={value}" for name, value in fields.items())
        response = api_client.post(f"/api/{user.pk}/tasks", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The form has more than 1000 fields.",
        "code": "too_many_fields",
    }


def test_a_form_with_too_many_files_is_400_too_many_files(api_client: APIClient, user: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = {f"file{index}": SimpleUploadedFile(f"f{index}.txt", b"x") for index in range(101)}
    response = api_client.post(f"/api/{user.pk}/tasks", files, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"detail": "The form has more than 100 files.", "code": "too_many_files"}


def test_a_form_with_too_many_fields_is_json_on_the_session_login_page_too() -> None:
    """Outside the API views (here Django's own login form, whose CSRF check reads the form),
    Django answers through `handler400`, which gives the same JSON."""
    body = "&".join(f"f{index}=x" for index in range(2000))
    response = Client().post("/api/auth/session/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_fields"


@pytest.mark.parametrize(
    ("exception", "status", "code"),
    [
        (RequestDataTooBig("too big"), 413, "request_too_large"),
        (TooManyFieldsSent("too many"), 400, "too_many_fields"),
        (SuspiciousOperation("odd"), 400, "bad_request"),
        (None, 400, "bad_request"),
    ],
)
def test_handler400_answers_json_with_the_code_of_the_problem(
    exception: Exception | None, status: int, code: str
) -> None:
    response = bad_request(RequestFactory().get("/"), exception)
    assert response.status_code == status
    assert json.loads(response.content)["code"] == code


def test_a_disallowed_host_is_json_400() -> None:
    response = Client().get("/api/schema/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request.", "code": "bad_request"}
