"""`GET /api/<user_id>/tasks` comes a page at a time: `{count, next, previous, results}`,
PAGE_SIZE tasks a page unless `page_size` says otherwise (at most 100), filtered by `status`
and `query`."""

import pytest
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from todos.tests.factories import TodoFactory, bulk_tasks

pytestmark = pytest.mark.django_db


def tasks_url(user: User) -> str:
    return f"/api/{user.pk}/tasks"


def numbers(body: dict) -> list[int]:
    return [task["id"] for task in body["results"]]


@pytest.fixture
def many(user: User) -> User:
    bulk_tasks(owner=user, titles=[f"Chore {number}" for number in range(1, 251)], completed=frozenset({7, 8, 9}))
    return user


def test_the_first_page_has_page_size_tasks_and_links_to_the_next(
    api_client: APIClient, many: User, settings: Settings
) -> None:
    body = api_client.get(tasks_url(many)).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 250
    assert numbers(body) == list(range(1, settings.REST_FRAMEWORK["PAGE_SIZE"] + 1))
    assert body["next"] == f"http://testserver{tasks_url(many)}?page=2"
    assert body["previous"] is None


def test_following_next_reads_every_task_once(api_client: APIClient, many: User) -> None:
    seen, url = [], tasks_url(many) + "?page_size=60"
    while url:
        body = api_client.get(url).json()
        seen += numbers(body)
        url = body["next"]

    assert seen == list(range(1, 251))


def test_page_size_is_capped_at_100(api_client: APIClient, many: User) -> None:
    body = api_client.get(tasks_url(many), {"page_size": 1000, "page": 3}).json()

    assert numbers(body) == list(range(201, 251))
    assert body["next"] is None
    assert "page_size=1000" in body["previous"]


def test_filters_page_with_the_count_of_what_they_match(api_client: APIClient, many: User) -> None:
    TodoFactory.create(owner=many, title="Call the dentist", description="about the crown")

    completed = api_client.get(tasks_url(many), {"status": "completed"}).json()
    page_13: dict[str, str | int] = {"status": "pending", "page": 13}
    pending = api_client.get(tasks_url(many), page_13).json()
    dentist = api_client.get(tasks_url(many), {"query": "DENTIST crown"}).json()

    assert (completed["count"], numbers(completed)) == (3, [7, 8, 9])
    assert (pending["count"], numbers(pending)) == (248, list(range(244, 252)))
    assert (dentist["count"], numbers(dentist)) == (1, [251])


def test_a_page_past_the_end_is_404(api_client: APIClient, many: User) -> None:
    response = api_client.get(tasks_url(many), {"page": 14})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("query", ["x" * 201, " ".join(["word"] * 11)])
def test_an_overlong_query_is_400(api_client: APIClient, many: User, query: str) -> None:
    response = api_client.get(tasks_url(many), {"query": query})
    assert response.status_code == 400
    assert "query" in response.json()
