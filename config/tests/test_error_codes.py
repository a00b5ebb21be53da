"""Every error response carries a stable `code` beside `detail`; field errors keep DRF's shape.
The codes are documented: in the OpenAPI schema and in the README's table."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from config.schema import FRAMEWORK_CODES, error_codes

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def test_no_token_is_401_not_authenticated(anonymous_client: APIClient, user: User) -> None:
    response = anonymous_client.get(f"/api/{user.pk}/tasks")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}


def test_a_bad_token_is_401_token_not_valid(anonymous_client: APIClient, user: User) -> None:
    anonymous_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = anonymous_client.get(f"/api/{user.pk}/tasks")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_wrong_credentials_are_401_with_a_code(anonymous_client: APIClient, user: User) -> None:
    response = anonymous_client.post("/api/auth/token", {"username": user.username, "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


def test_another_users_path_is_403_permission_denied(api_client: APIClient, other_user: User) -> None:
    response = api_client.get(f"/api/{other_user.pk}/tasks")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_unknown_task_is_404_task_not_found(api_client: APIClient, user: User) -> None:
    response = api_client.get(f"/api/{user.pk}/tasks/99")
    assert (response.status_code, response.json()["code"]) == (404, "task_not_found")


def test_unknown_url_is_404_not_found() -> None:
    assert Client().get("/api/nowhere").json() == {"detail": "Not found.", "code": "not_found"}


def test_wrong_method_is_405_method_not_allowed(api_client: APIClient, user: User) -> None:
    response = api_client.delete(f"/api/{user.pk}/tasks")
    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")


def test_unsupported_body_type_is_415(api_client: APIClient, user: User) -> None:
    response = api_client.post(f"/api/{user.pk}/tasks", "title=x", content_type="text/plain")
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")


def test_malformed_json_is_400_parse_error(api_client: APIClient, user: User) -> None:
    response = api_client.post(f"/api/{user.pk}/tasks", "{not json", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_deeply_nested_json_is_400_parse_error(anonymous_client: APIClient) -> None:
    response = anonymous_client.post("/api/auth/token", "[" * 10_000 + "]" * 10_000, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_a_body_over_the_size_limit_is_413_request_too_large(
    api_client: APIClient, user: User, settings: Settings
) -> None:
    body = '{"title": "%s"}' % ("x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    response = api_client.post(f"/api/{user.pk}/tasks", body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")


def test_a_form_with_too_many_fields_is_400_too_many_fields(
    api_client: APIClient, user: User, settings: Settings
) -> None:
    body = "&".join(f"f{index}=x" for index in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = api_client.post(f"/api/{user.pk}/tasks", body, content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.json()["code"]) == (400, "too_many_fields")


def test_too_many_requests_is_429_throttled(api_client: APIClient, user: User, settings: Settings) -> None:
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "chat": "1/min"},
    }
    api_client.post(f"/api/{user.pk}/chat", {"message": "hi"}, format="json")
    response = api_client.post(f"/api/{user.pk}/chat", {"message": "hi"}, format="json")
    cache.clear()
    assert (response.status_code, response.json()["code"]) == (429, "throttled")


def test_field_errors_keep_drfs_shape_without_a_code(api_client: APIClient, user: User) -> None:
    response = api_client.post(f"/api/{user.pk}/tasks", {"title": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["title"] and isinstance(body["title"], list)


def test_a_bad_idempotency_key_is_a_field_error_on_the_header(api_client: APIClient, user: User) -> None:
    response = api_client.post(f"/api/{user.pk}/chat", {"message": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY=" ")
    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]


def test_the_schema_lists_the_codes_of_each_error_response() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    chat = schema["paths"]["/api/{user_id}/chat"]["post"]["responses"]

    def component(ref: str) -> dict[str, Any]:
        found: dict[str, Any] = components[ref.rsplit("/", 1)[-1]]
        return found

    def codes(response: dict[str, Any]) -> list[str]:
        code = component(response["content"]["application/json"]["schema"]["$ref"])["properties"]["code"]
        enum: list[str] = component(code["allOf"][0]["$ref"])["enum"]
        return enum

    assert codes(chat["503"]) == [
        "database_unavailable",
        "database_unavailable_may_have_run",
        "model_error",
        "model_rate_limited",
        "model_timeout",
        "model_unavailable",
    ]
    assert "conversation_id" in components["ChatProviderError"]["properties"]
    assert codes(chat["409"]) == ["request_in_progress"]
    assert codes(chat["422"]) == ["idempotency_key_reused"]
    assert codes(chat["404"]) == error_codes(404)
    assert {"conversation_not_found", "not_found", "task_not_found"} <= set(error_codes(404))
    assert codes(chat["401"]) == error_codes(401)
    assert codes(chat["413"]) == ["request_too_large"]


def test_the_readme_documents_every_code() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", README.read_text(), re.MULTILINE))
    known = {code for status in [*FRAMEWORK_CODES, 409, 413, 422, 500, 502, 503, 504] for code in error_codes(status)}
    assert known - documented == set()
