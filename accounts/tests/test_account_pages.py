"""Sign up, log in and log out in a browser (Django session auth): `accounts.pages`."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"


def signup_data(**overrides: str) -> dict[str, str]:
    return {"username": "ada", "name": "Ada", "password1": PASSWORD, "password2": PASSWORD, **overrides}


def test_signup_page_has_labelled_fields(client: Client) -> None:
    response = client.get(SIGNUP)
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("id_username", "id_name", "id_password1", "id_password2"):
        assert f'<label for="{field}">' in html
    assert 'autocomplete="new-password"' in html


def test_signup_creates_the_user_and_logs_them_in(client: Client) -> None:
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="ada")
    assert user.name == "Ada"
    assert user.check_password(PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("Europe/Berlin", "Europe/Berlin"), ("", "UTC"), ("Mars/Olympus", "UTC"), ("../etc/passwd", "UTC")],
)
def test_signup_takes_the_browsers_time_zone_or_utc(client: Client, sent: str, stored: str) -> None:
    assert 'type="hidden" name="time_zone"' in client.get(SIGNUP).content.decode()

    response = client.post(SIGNUP, signup_data(time_zone=sent))

    assert response.status_code == 302
    assert User.objects.get(username="ada").time_zone == stored


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"password2": "something-else-42"}, "The two password fields didn"),
        ({"password1": "12345678", "password2": "12345678"}, "This password is too common."),
        ({"username": ""}, "This field is required."),
    ],
)
def test_signup_refuses_bad_input(client: Client, overrides: dict[str, str], error: str) -> None:
    response = client.post(SIGNUP, signup_data(**overrides))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.exists()
    assert SESSION_KEY not in client.session


def test_signup_refuses_a_taken_username(client: Client, user: User) -> None:
    response = client.post(SIGNUP, signup_data(username=user.username))
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_signed_in_user_is_sent_from_signup_and_login_to_the_chat(client: Client, user: User) -> None:
    client.force_login(user)
    for page in (SIGNUP, LOGIN):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == "/"


def test_login_page_links_to_signup(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert f'href="{SIGNUP}"' in html


def test_login_leads_to_the_chat_page(client: Client, user: User) -> None:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_goes_to_next(client: Client, user: User) -> None:
    response = client.post(f"{LOGIN}?next=/api/docs/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/api/docs/"


def test_login_with_a_wrong_password_says_so(client: Client, user: User) -> None:
    response = client.post(LOGIN, {"username": user.username, "password": "not-the-password"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_logout_ends_the_session(client: Client, user: User) -> None:
    client.force_login(user)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
    assert client.get("/").status_code == 302


def test_logout_by_get_only_shows_the_button(client: Client, user: User) -> None:
    client.force_login(user)
    response = client.get(LOGOUT)
    assert response.status_code == 200
    assert f'<form method="post" action="{LOGOUT}">' in response.content.decode()
    assert client.session[SESSION_KEY] == str(user.pk)
