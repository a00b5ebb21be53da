import pytest
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_register_takes_a_time_zone_and_me_shows_it(
    anonymous_client: APIClient, api_client: APIClient, user: User
) -> None:
    response = anonymous_client.post(
        "/api/auth/register",
        {"username": "kiri", "password": "correct-horse-battery", "time_zone": "Pacific/Auckland"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["time_zone"] == "Pacific/Auckland"
    assert User.objects.get(username="kiri").time_zone == "Pacific/Auckland"


def test_a_new_user_is_in_utc(anonymous_client: APIClient) -> None:
    response = anonymous_client.post("/api/auth/register", {"username": "bo", "password": "correct-horse-battery"})
    assert response.json()["time_zone"] == "UTC"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "utc ", 0, None])
def test_register_refuses_an_unknown_time_zone_with_a_code(anonymous_client: APIClient, zone: str | int | None) -> None:
    response = anonymous_client.post(
        "/api/auth/register",
        {"username": "kiri", "password": "correct-horse-battery", "time_zone": zone},
        format="json",
    )
    assert response.status_code == 400
    if isinstance(zone, str) and zone:
        assert response.json()["code"] == "invalid_time_zone"
    assert not User.objects.filter(username="kiri").exists()


def test_patch_me_changes_the_time_zone(api_client: APIClient, user: User) -> None:
    response = api_client.patch("/api/auth/me", {"time_zone": "America/Los_Angeles"}, format="json")
    assert response.status_code == 200
    assert response.json()["time_zone"] == "America/Los_Angeles"
    user.refresh_from_db()
    assert user.time_zone == "America/Los_Angeles"
    assert api_client.get("/api/auth/me").json()["time_zone"] == "America/Los_Angeles"


def test_patch_me_refuses_an_unknown_time_zone(api_client: APIClient, user: User) -> None:
    response = api_client.patch("/api/auth/me", {"time_zone": "Europe/Atlantis"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unknown time zone: give an IANA name such as Europe/Berlin or UTC.",
        "code": "invalid_time_zone",
    }
    user.refresh_from_db()
    assert user.time_zone == "UTC"


def test_patch_me_without_a_change_leaves_the_user_as_is(api_client: APIClient, user: User) -> None:
    response = api_client.patch("/api/auth/me", {}, format="json")
    assert response.status_code == 200
    assert response.json()["time_zone"] == "UTC"
