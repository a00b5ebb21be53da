"""The chat endpoint in a browser: GET describes it (no 405 block above the form), and the
browsable API's session login lands on the API root."""

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.tests.factories import UserFactory
from chat.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def chat_url(user) -> str:
    return f"/api/{user.pk}/chat"


def test_get_describes_the_endpoint_without_a_conversation(api_client, user):
    response = api_client.get(chat_url(user))
    assert response.status_code == 200
    body = response.json()
    assert body["conversation_id"] is None
    assert body["detail"].startswith("POST a message here")


def test_get_names_the_callers_latest_conversation(api_client, user, other_user):
    ConversationFactory(owner=user)
    latest = ConversationFactory(owner=user)
    ConversationFactory(owner=other_user)  # someone else's newer one is not offered
    assert api_client.get(chat_url(user)).json()["conversation_id"] == str(latest.pk)


def test_get_of_another_users_chat_is_refused(api_client, other_user, anonymous_client, user):
    assert api_client.get(chat_url(other_user)).status_code == 403
    assert anonymous_client.get(chat_url(user)).status_code == 401


def test_get_does_not_count_against_the_chat_rate(api_client, user, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "chat": "1/min"},
    }
    try:
        assert [api_client.get(chat_url(user)).status_code for _ in range(3)] == [200, 200, 200]
    finally:
        cache.clear()


def test_browsable_api_shows_the_form_without_a_405_block():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.get(chat_url(user), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    assert "405" not in page and "Method Not Allowed" not in page
    assert "POST a message here" in page
    assert 'name="message"' in page  # the form to send one


def test_session_login_lands_on_the_api_root():
    user = UserFactory(username="walker")
    user.set_password("a long enough password")
    user.save()
    client = Client()
    response = client.post("/api/auth/session/login/", {"username": "walker", "password": "a long enough password"})
    assert response.status_code == 302
    assert response["Location"] == "/api/"
    root = client.get("/api/", HTTP_ACCEPT="application/json").json()
    assert root["user_id"] == str(user.pk)


def test_schema_documents_the_get():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    get = schema["paths"]["/api/{user_id}/chat"]["get"]
    assert set(get["responses"]) >= {"200", "401", "403"}
    assert "429" not in get["responses"]
    assert "429" in schema["paths"]["/api/{user_id}/chat"]["post"]["responses"]
