import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

PUBLIC = {"register", "token", "token_refresh", "session_login", "schema", "docs"}


def test_anonymous_caller_gets_the_auth_endpoints_and_a_note_to_log_in(anonymous_client: APIClient) -> None:
    response = anonymous_client.get("/api/")
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] is None
    assert "Log in" in body["detail"]
    assert set(body["endpoints"]) == PUBLIC
    assert body["endpoints"]["token"] == "http://testserver/api/auth/token"
    assert body["endpoints"]["session_login"] == "http://testserver/api/auth/session/login/"


def test_logged_in_caller_gets_their_own_endpoints(api_client: APIClient, user: User) -> None:
    body = api_client.get("/api/").json()
    assert body["user_id"] == str(user.pk)
    endpoints = body["endpoints"]
    assert set(endpoints) == PUBLIC | {"me", "session_logout", "tasks", "chat", "conversations"}
    assert endpoints["tasks"] == f"http://testserver/api/{user.pk}/tasks"
    assert endpoints["chat"] == f"http://testserver/api/{user.pk}/chat"
    assert endpoints["conversations"] == f"http://testserver/api/{user.pk}/conversations"
    # Each listed endpoint answers the caller (none is a dead link).
    assert api_client.get(endpoints["tasks"]).status_code == 200
    assert api_client.get(endpoints["me"]).json()["id"] == str(user.pk)


def test_api_root_renders_in_the_browsable_api(user: User) -> None:
    client = Client()
    client.force_login(user)
    page = client.get("/api/", HTTP_ACCEPT="text/html").content.decode()
    assert f"/api/{user.pk}/chat" in page
    assert "<title>API root" in page
    assert "Api Root Api" not in page


def test_the_session_logout_link_leads_to_a_page_that_logs_out(user: User) -> None:
    client = Client()
    client.force_login(user)
    link = client.get("/api/", HTTP_ACCEPT="application/json").json()["endpoints"]["session_logout"]

    page = client.get(link)

    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert client.post(link).status_code == 302
    assert SESSION_KEY not in client.session


def test_api_root_is_in_the_schema() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "200" in schema["paths"]["/api/"]["get"]["responses"]
