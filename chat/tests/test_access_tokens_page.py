"""The chat page's access tokens box: where it is, and the session + CSRF path its script uses."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from accounts.models import PersonalAccessToken, User
from chat.tests.test_chat_page import csrf_token_of_page

pytestmark = pytest.mark.django_db


def test_the_page_has_the_access_tokens_box(client: Client, user: User) -> None:
    client.force_login(user)
    html = client.get("/").content.decode()

    assert 'id="access-tokens"' in html and 'data-tokens-url="/api/auth/tokens"' in html
    assert 'src="/static/chat/access_tokens.js"' in html
    assert finders.find("chat/access_tokens.js")


def test_the_pages_script_can_make_list_and_revoke_tokens_with_the_session(user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    headers = {"X-CSRFToken": csrf_token_of_page(client), "Accept": "application/json"}

    made = client.post("/api/auth/tokens", {"name": "desktop"}, content_type="application/json", headers=headers)
    assert made.status_code == 201, made.content
    listed = client.get("/api/auth/tokens", headers=headers).json()
    assert [token["name"] for token in listed["results"]] == ["desktop"]
    assert client.delete(f"/api/auth/tokens/{made.json()['id']}", headers=headers).status_code == 204
    assert not PersonalAccessToken.objects.exists()


def test_without_the_csrf_token_the_session_cannot_make_a_token(user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/api/auth/tokens", {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert not PersonalAccessToken.objects.exists()
