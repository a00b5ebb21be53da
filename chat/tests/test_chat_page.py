"""The chat page's view (`chat.pages`) and the session + CSRF path its script uses for the API.
In a real browser: `test_chat_page_browser.py`."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from accounts.models import User
from chat.models import Conversation

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_log_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_page_carries_the_users_id_and_api_addresses(client: Client, user: User) -> None:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-user-id="{user.pk}"' in html
    assert f'data-chat-url="/api/{user.pk}/chat"' in html
    assert f'data-conversations-url="/api/{user.pk}/conversations"' in html
    assert f'data-tasks-url="/api/{user.pk}/tasks"' in html
    assert '<meta name="csrf-token" content="' in html
    assert user.username in html
    # Labelled message box, live region for replies, a logout form (POST).
    assert '<label for="message">Message</label>' in html
    assert 'role="status" aria-live="polite"' in html
    assert 'action="/accounts/logout/"' in html


def test_page_assets_are_static_files_of_the_app(client: Client, user: User) -> None:
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'src="/static/chat/chat.js"' in html and 'href="/static/chat/chat.css"' in html
    assert finders.find("chat/chat.js") and finders.find("chat/chat.css")
    assert "http://" not in html and "https://" not in html  # no CDN


def csrf_token_of_page(client: Client) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/").content.decode())
    assert match
    return match[1]


def test_the_pages_token_lets_its_script_chat_with_the_session(user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = csrf_token_of_page(client)
    response = client.post(
        f"/api/{user.pk}/chat",
        {"message": "add buy milk"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.content
    assert response.json()["tool_calls"][0]["result"]["task"]["title"] == "Buy milk"
    conversation = Conversation.objects.get(owner=user)
    for path in ("tasks", "conversations", f"conversations/{conversation.pk}"):
        assert client.get(f"/api/{user.pk}/{path}", headers={"Accept": "application/json"}).status_code == 200


def test_without_the_token_the_session_cannot_chat(user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(f"/api/{user.pk}/chat", {"message": "add buy milk"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Conversation.objects.exists()
