"""The chat endpoint in a browser: GET describes it (no 405 block above the form), a message
sent through its form leaves the forms continuing that conversation, descriptions read as
text, and the browsable API's session login lands on the API root."""

import html
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.models import Conversation
from chat.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def chat_url(user: User) -> str:
    return f"/api/{user.pk}/chat"


def test_get_describes_the_endpoint_without_a_conversation(api_client: APIClient, user: User) -> None:
    response = api_client.get(chat_url(user))
    assert response.status_code == 200
    body = response.json()
    assert body["conversation_id"] is None
    assert body["detail"].startswith("POST a message here")


def test_get_names_the_callers_latest_conversation(api_client: APIClient, user: User, other_user: User) -> None:
    ConversationFactory.create(owner=user)
    latest = ConversationFactory.create(owner=user)
    ConversationFactory.create(owner=other_user)  # someone else's newer one is not offered
    assert api_client.get(chat_url(user)).json()["conversation_id"] == str(latest.pk)


def test_get_of_another_users_chat_is_refused(
    api_client: APIClient, other_user: User, anonymous_client: APIClient, user: User
) -> None:
    assert api_client.get(chat_url(other_user)).status_code == 403
    assert anonymous_client.get(chat_url(user)).status_code == 401


def test_get_does_not_count_against_the_chat_rate(api_client: APIClient, user: User, settings: Settings) -> None:
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "chat": "1/min"},
    }
    try:
        assert [api_client.get(chat_url(user)).status_code for _ in range(3)] == [200, 200, 200]
    finally:
        cache.clear()


def test_browsable_api_shows_the_form_without_a_405_block() -> None:
    user = UserFactory.create()
    client = Client()
    client.force_login(user)
    response = client.get(chat_url(user), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    assert "HTTP 405" not in page and "Method Not Allowed" not in page  # a bare "405" can be in any id
    assert "POST a message here" in page
    assert 'name="message"' in page  # the form to send one


def test_session_login_lands_on_the_api_root() -> None:
    user = UserFactory.create(username="walker")
    user.set_password("a long enough password")
    user.save()
    client = Client()
    response = client.post("/api/auth/session/login/", {"username": "walker", "password": "a long enough password"})
    assert response.status_code == 302
    assert response["Location"] == "/api/"
    root = client.get("/api/", HTTP_ACCEPT="application/json").json()
    assert root["user_id"] == str(user.pk)


def test_schema_documents_the_get() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    get = schema["paths"]["/api/{user_id}/chat"]["get"]
    assert set(get["responses"]) >= {"200", "401", "403"}
    assert "429" not in get["responses"]
    assert "429" in schema["paths"]["/api/{user_id}/chat"]["post"]["responses"]


@pytest.fixture
def browser_client(user: User) -> Client:
    """A browser logged in as `user` with a session, as the browsable API's login leaves it."""
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, user: User, **fields: str) -> str:
    """POST the HTML form's fields as a browser does; the page that comes back."""
    response = client.post(chat_url(user), fields, HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def html_form(page: str) -> dict[str, str]:
    """The values the POST form offers: its inputs and text areas, by name."""
    form = page.split('id="post-object-form"')[1].split('id="post-generic-content-form"')[0]
    inputs = re.findall(r'<input name="([^"]+)"[^>]*value="([^"]*)"', form)
    areas = re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.DOTALL)
    return {name: html.unescape(value) for name, value in [*inputs, *areas]}


def raw_form(page: str) -> dict:
    """The JSON the raw-data form offers."""
    content = re.search(r'<textarea name="_content"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert content is not None
    offered: dict = json.loads(html.unescape(content.group(1)))
    return offered


def test_after_a_message_the_forms_continue_its_conversation(browser_client: Client, user: User) -> None:
    page = send(browser_client, user, message="add buy milk")
    conversation = Conversation.objects.get(owner=user)
    # The request's fields, not the reply's: an empty message in the same conversation.
    assert html_form(page) == {"message": "", "conversation_id": str(conversation.pk)}
    assert raw_form(page) == {"message": "", "conversation_id": str(conversation.pk)}

    page = send(browser_client, user, **{**html_form(page), "message": "what's pending?"})
    assert "Buy milk" in page
    assert Conversation.objects.get(owner=user).turns.count() == 2
    assert html_form(page)["conversation_id"] == str(conversation.pk)


def test_a_refused_message_keeps_what_was_sent_with_the_error(browser_client: Client, user: User) -> None:
    conversation = ConversationFactory.create(owner=user)
    page = send(browser_client, user, message="", conversation_id=str(conversation.pk))
    assert "HTTP 400 Bad Request" in page
    assert html_form(page) == {"message": "", "conversation_id": str(conversation.pk)}
    assert "This field may not be blank." in page.split('id="post-object-form"')[1]
    assert raw_form(page) == {"message": "", "conversation_id": str(conversation.pk)}


def test_a_get_offers_an_empty_form(browser_client: Client, user: User) -> None:
    ConversationFactory.create(owner=user)
    page = browser_client.get(chat_url(user), HTTP_ACCEPT="text/html").content.decode()
    # Sending from a fresh page starts a new conversation; the latest one is named above it.
    assert html_form(page) == {"message": "", "conversation_id": ""}
    assert raw_form(page) == {"message": "", "conversation_id": None}


def shown_text(page: str) -> list[str]:
    """The description under the page's title and the help text of every field."""
    description = re.search(r'<div class="page-header">.*?</div>\s*<div class="pull-left">(.*?)</div>', page, re.DOTALL)
    assert description is not None
    return [description.group(1), *re.findall(r'<span class="help-block">(.*?)</span>', page, re.DOTALL)]


def test_descriptions_and_help_texts_read_as_text(browser_client: Client, user: User) -> None:
    page = browser_client.get(chat_url(user), HTTP_ACCEPT="text/html").content.decode()
    description, *help_texts = shown_text(page)
    assert "Omit <code>conversation_id</code> to start a new conversation." in description
    assert "What you want to do." in help_texts
    for text in (description, *help_texts):
        assert "`" not in text and "\\n" not in text and "<br" not in text, text


def test_the_api_root_says_how_to_log_in_in_plain_words() -> None:
    page = Client().get("/api/", HTTP_ACCEPT="text/html").content.decode()
    detail = json.loads(Client().get("/api/", HTTP_ACCEPT="application/json").content)["detail"]
    assert detail.startswith("Log in to see your own endpoints")
    # Shown inside a JSON string on the page: no Markdown, no escaped quotes.
    assert "`" not in detail and '"' not in detail and "\\n" not in detail
    assert html.escape(detail, quote=True) in page
