import pytest
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_register_creates_user_and_hides_password(anonymous_client: APIClient) -> None:
    response = anonymous_client.post(
        "/api/auth/register",
        {"username": "ada", "password": "correct-horse-battery", "email": "ada@example.com", "name": "Ada"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "name", "time_zone"}
    assert body["username"] == "ada" and body["name"] == "Ada"
    user = User.objects.get(username="ada")
    assert str(user.pk) == body["id"]
    assert user.check_password("correct-horse-battery")


def test_register_needs_only_username_and_password(anonymous_client: APIClient) -> None:
    response = anonymous_client.post("/api/auth/register", {"username": "bo", "password": "correct-horse-battery"})
    assert response.status_code == 201
    assert response.json()["email"] == ""


def test_register_rejects_taken_username(anonymous_client: APIClient) -> None:
    UserFactory.create(username="taken")
    response = anonymous_client.post("/api/auth/register", {"username": "taken", "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.filter(username="taken").count() == 1


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "ada-lovelace"])
def test_register_applies_password_validators(anonymous_client: APIClient, password: str) -> None:
    response = anonymous_client.post(
        "/api/auth/register", {"username": "ada-lovelace", "password": password}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="ada-lovelace").exists()


@pytest.mark.parametrize(
    "body", [{}, {"username": "x"}, {"password": "correct-horse-battery"}, {"username": "", "password": "x"}]
)
def test_register_reports_missing_fields(anonymous_client: APIClient, body: dict[str, str]) -> None:
    response = anonymous_client.post("/api/auth/register", body, format="json")
    assert response.status_code == 400


def test_register_rejects_non_json_body(anonymous_client: APIClient) -> None:
    response = anonymous_client.post("/api/auth/register", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_token_pair_and_refresh(anonymous_client: APIClient) -> None:
    user = UserFactory.create()
    response = anonymous_client.post("/api/auth/token", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    refreshed = anonymous_client.post("/api/auth/token/refresh", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200
    assert "access" in refreshed.json()

    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    me = anonymous_client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json() == {
        "id": str(user.pk),
        "username": user.username,
        "email": user.email,
        "name": user.name,
        "time_zone": "UTC",
    }


def test_token_rejects_wrong_password(anonymous_client: APIClient) -> None:
    user = UserFactory.create()
    response = anonymous_client.post("/api/auth/token", {"username": user.username, "password": "wrong"})
    assert response.status_code == 401


def test_refresh_rejects_garbage(anonymous_client: APIClient) -> None:
    response = anonymous_client.post("/api/auth/token/refresh", {"refresh": "garbage"})
    assert response.status_code == 401


def test_me_requires_token(anonymous_client: APIClient) -> None:
    assert anonymous_client.get("/api/auth/me").status_code == 401


def test_me_rejects_bad_token(anonymous_client: APIClient) -> None:
    anonymous_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert anonymous_client.get("/api/auth/me").status_code == 401


def test_auth_endpoints_are_throttled_per_ip(anonymous_client: APIClient, settings: Settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "2/min"},
    }
    from django.core.cache import cache

    cache.clear()
    statuses = [
        anonymous_client.post("/api/auth/token", {"username": "nobody", "password": "x"}).status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 429]
    blocked = anonymous_client.post("/api/auth/register", {"username": "z", "password": "correct-horse-battery"})
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    cache.clear()


def test_a_client_cannot_escape_the_ip_throttle_with_x_forwarded_for(
    anonymous_client: APIClient, settings: Settings
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "2/min"},
    }
    from django.core.cache import cache

    cache.clear()
    statuses = [
        anonymous_client.post(
            "/api/auth/token", {"username": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}"
        ).status_code
        for attempt in range(4)
    ]
    assert statuses == [401, 401, 429, 429]
    cache.clear()
