"""Personal access tokens: made, listed without their values, revoked; stored only as a hash;
accepted by the REST API as `Bearer tdo_...` beside JWTs, and 401 once revoked."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.access_tokens import PREFIX, authenticate_access_token, create_access_token
from accounts.models import PersonalAccessToken, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_new_token_is_shown_once_and_stored_as_its_hash(api_client: APIClient, user: User) -> None:
    response = api_client.post("/api/auth/tokens", {"name": "laptop"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "token", "created_at"}
    assert body["name"] == "laptop" and body["token"].startswith(PREFIX)
    stored = PersonalAccessToken.objects.get(pk=body["id"])
    assert stored.user == user
    assert stored.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    row = PersonalAccessToken.objects.filter(pk=body["id"]).values().get()
    assert body["token"] not in {str(value) for value in row.values()}


def test_a_token_needs_a_name(api_client: APIClient) -> None:
    response = api_client.post("/api/auth/tokens", {}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()


def test_the_list_shows_the_callers_tokens_paginated_without_values(
    api_client: APIClient, user: User, other_user: User
) -> None:
    create_access_token(user=user, name="first")
    create_access_token(user=user, name="second")
    create_access_token(user=other_user, name="not mine")

    response = api_client.get("/api/auth/tokens")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [token["name"] for token in body["results"]] == ["second", "first"]
    assert set(body["results"][0]) == {"id", "name", "created_at", "last_used_at"}


def test_the_rest_api_takes_a_token_and_notes_its_use(user: User) -> None:
    new = create_access_token(user=user, name="script")

    response = bearer(new.value).get("/api/auth/me")

    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk)
    new.token.refresh_from_db()
    assert new.token.last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(
    user: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    new = create_access_token(user=user, name="script")
    authenticate_access_token(new.value)
    first = PersonalAccessToken.objects.get(pk=new.token.pk).last_used_at

    with django_assert_num_queries(1):  # the lookup only, no write
        authenticate_access_token(new.value)
    assert PersonalAccessToken.objects.get(pk=new.token.pk).last_used_at == first

    a_while_ago = timezone.now() - timedelta(minutes=2)
    PersonalAccessToken.objects.filter(pk=new.token.pk).update(last_used_at=a_while_ago)
    authenticate_access_token(new.value)
    last_used_at = PersonalAccessToken.objects.get(pk=new.token.pk).last_used_at
    assert last_used_at is not None
    assert last_used_at > a_while_ago


def test_a_revoked_token_is_401(api_client: APIClient, user: User) -> None:
    new = create_access_token(user=user, name="old")
    assert bearer(new.value).get("/api/auth/me").status_code == 200

    assert api_client.delete(f"/api/auth/tokens/{new.token.pk}").status_code == 204

    response = bearer(new.value).get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not PersonalAccessToken.objects.filter(pk=new.token.pk).exists()


def test_another_users_token_cannot_be_revoked(api_client: APIClient, other_user: User) -> None:
    theirs = create_access_token(user=other_user, name="theirs")

    response = api_client.delete(f"/api/auth/tokens/{theirs.token.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "token_not_found"
    assert PersonalAccessToken.objects.filter(pk=theirs.token.pk).exists()


def test_an_unknown_token_is_401_with_a_code() -> None:
    response = bearer(PREFIX + "x" * 43).get("/api/auth/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_an_inactive_users_token_is_401() -> None:
    user = UserFactory.create(is_active=False)
    new = create_access_token(user=user, name="script")

    assert bearer(new.value).get("/api/auth/me").status_code == 401


def test_no_credentials_is_still_401_with_a_bearer_challenge(anonymous_client: APIClient) -> None:
    response = anonymous_client.get("/api/auth/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_jwt_is_still_read_as_a_jwt(api_client: APIClient, user: User) -> None:
    assert api_client.get("/api/auth/me").json()["id"] == str(user.pk)
    assert bearer("eyJ.not.a-jwt").get("/api/auth/me").json()["code"] == "token_not_valid"


def test_the_admin_lists_tokens_without_their_values(client: Client, user: User) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    new = create_access_token(user=user, name="desktop host")
    client.force_login(admin)

    listing = client.get("/admin/accounts/personalaccesstoken/")
    detail = client.get(f"/admin/accounts/personalaccesstoken/{new.token.pk}/change/")

    assert listing.status_code == 200 and "desktop host" in listing.content.decode()
    for page in (listing, detail):
        assert new.value not in page.content.decode()
        assert new.token.token_hash not in page.content.decode()
