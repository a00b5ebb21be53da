"""The session log-in forms take passwords as the token endpoint does, and are throttled with it
(`AUTH_THROTTLE_RATE`, per IP): over the rate a 429 page with `Retry-After`, the password not
checked."""

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_FORMS = ["/accounts/login/", "/admin/login/", "/api/auth/session/login/"]


@pytest.fixture
def auth_rate(settings: Settings) -> Iterator[None]:
    rates = {**django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "3/min"}
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("path", LOGIN_FORMS)
def test_wrong_passwords_on_a_login_form_are_throttled(auth_rate: None, user: User, path: str) -> None:
    client = Client()
    statuses = [client.post(path, {"username": user.username, "password": "wrong"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]  # the form again with its error, then refused
    refused = client.post(path, {"username": user.username, "password": PASSWORD})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "Too many log-in attempts" in refused.content.decode()
    assert SESSION_KEY not in client.session  # the right password, not even checked


def test_the_login_forms_and_the_token_endpoint_share_one_count(
    auth_rate: None, user: User, anonymous_client: APIClient
) -> None:
    client = Client()
    assert client.post("/accounts/login/", {"username": user.username, "password": "x"}).status_code == 200
    assert client.post("/admin/login/", {"username": user.username, "password": "x"}).status_code == 200
    token = anonymous_client.post("/api/auth/token", {"username": user.username, "password": "x"})
    assert token.status_code == 401
    assert client.post("/api/auth/session/login/", {"username": user.username, "password": "x"}).status_code == 429


def test_showing_a_login_form_is_not_counted(auth_rate: None, user: User) -> None:
    client = Client()
    assert [client.get(path).status_code for path in LOGIN_FORMS * 3] == [200] * 9
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(user.pk)


def test_login_forms_are_not_throttled_when_the_rate_is_empty(user: User) -> None:
    """The tests' settings: `AUTH_THROTTLE_RATE` empty."""
    client = Client()
    statuses = {
        client.post("/accounts/login/", {"username": user.username, "password": "x"}).status_code for _ in range(30)
    }
    assert statuses == {200}
