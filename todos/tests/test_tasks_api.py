import uuid

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from conftest import client_for
from todos.models import Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db


EVERY_ENDPOINT = [
    ("get", ""),
    ("post", ""),
    ("get", "/1"),
    ("put", "/1"),
    ("patch", "/1"),
    ("delete", "/1"),
    ("patch", "/1/complete"),
]


def tasks_url(user: User, suffix: str = "") -> str:
    return f"/api/{user.pk}/tasks{suffix}"


def test_create_task_returns_201_with_the_task(api_client: APIClient, user: User) -> None:
    response = api_client.post(tasks_url(user), {"title": "Buy groceries", "description": "milk"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        *("id", "title", "description", "completed", "created_at", "updated_at"),
        *("due_date", "due_time", "priority", "recurrence", "overdue", "completed_at"),
    }
    assert body["id"] == 1 and body["title"] == "Buy groceries" and body["description"] == "milk"
    assert body["completed"] is False
    assert Todo.objects.get(owner=user, number=1).title == "Buy groceries"


def test_numbers_are_per_user_and_never_reused(api_client: APIClient, user: User, other_user: User) -> None:
    TodoFactory.create(owner=other_user)
    first = api_client.post(tasks_url(user), {"title": "one"}).json()["id"]
    second = api_client.post(tasks_url(user), {"title": "two"}).json()["id"]
    assert (first, second) == (1, 2)
    assert api_client.delete(tasks_url(user, "/2")).status_code == 204
    third = api_client.post(tasks_url(user), {"title": "three"}).json()["id"]
    assert third == 3


def test_list_filters_by_status(api_client: APIClient, user: User) -> None:
    TodoFactory.create(owner=user, title="open")
    TodoFactory.create(owner=user, title="done", completed=True)
    titles = {
        status: [task["title"] for task in api_client.get(tasks_url(user), {"status": status}).json()["results"]]
        for status in ("all", "pending", "completed")
    }
    assert titles == {"all": ["open", "done"], "pending": ["open"], "completed": ["done"]}
    assert [t["title"] for t in api_client.get(tasks_url(user)).json()["results"]] == ["open", "done"]


def test_list_rejects_unknown_status(api_client: APIClient, user: User) -> None:
    response = api_client.get(tasks_url(user), {"status": "someday"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_list_shows_only_own_tasks(api_client: APIClient, user: User, other_user: User) -> None:
    TodoFactory.create(owner=other_user, title="secret")
    assert api_client.get(tasks_url(user)).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_retrieve_task(api_client: APIClient, user: User) -> None:
    TodoFactory.create(owner=user, title="read me")
    response = api_client.get(tasks_url(user, "/1"))
    assert response.status_code == 200
    assert response.json()["title"] == "read me"


def test_put_replaces_title_and_description(api_client: APIClient, user: User) -> None:
    TodoFactory.create(owner=user, title="old", description="old notes")
    response = api_client.put(tasks_url(user, "/1"), {"title": "new", "description": ""}, format="json")
    assert response.status_code == 200
    task = Todo.objects.get(owner=user, number=1)
    assert (task.title, task.description) == ("new", "")


def test_put_requires_title(api_client: APIClient, user: User) -> None:
    TodoFactory.create(owner=user, title="old")
    response = api_client.put(tasks_url(user, "/1"), {"description": "x"}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()
    assert Todo.objects.get(owner=user, number=1).title == "old"


def test_patch_changes_only_given_fields(api_client: APIClient, user: User) -> None:
    TodoFactory.create(owner=user, title="keep", description="before")
    response = api_client.patch(tasks_url(user, "/1"), {"description": "after", "completed": True}, format="json")
    assert response.status_code == 200
    task = Todo.objects.get(owner=user, number=1)
    assert (task.title, task.description, task.completed) == ("keep", "after", True)


def test_complete_endpoint_toggles(api_client: APIClient, user: User) -> None:
    TodoFactory.create(owner=user)
    assert api_client.patch(tasks_url(user, "/1/complete")).json()["completed"] is True
    assert Todo.objects.get(owner=user, number=1).completed is True
    assert api_client.patch(tasks_url(user, "/1/complete")).json()["completed"] is False
    assert Todo.objects.get(owner=user, number=1).completed is False


def test_delete_removes_task(api_client: APIClient, user: User) -> None:
    TodoFactory.create(owner=user)
    assert api_client.delete(tasks_url(user, "/1")).status_code == 204
    assert not Todo.objects.filter(owner=user).exists()


@pytest.mark.parametrize(
    "method, suffix",
    [("get", ""), ("get", "/1"), ("put", "/1"), ("patch", "/1"), ("delete", "/1"), ("patch", "/1/complete")],
)
def test_unknown_task_is_404(api_client: APIClient, user: User, method: str, suffix: str) -> None:
    response = getattr(api_client, method)(tasks_url(user, suffix.replace("1", "99")), {"title": "x"}, format="json")
    if suffix == "":
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert response.json() == {"detail": "Task 99 not found.", "code": "task_not_found"}


@pytest.mark.parametrize("number", ["0", "2147483648", "99999999999999999999999"])
def test_out_of_range_task_number_is_404_not_500(api_client: APIClient, user: User, number: str) -> None:
    assert api_client.get(tasks_url(user, f"/{number}")).status_code == 404
    assert api_client.delete(tasks_url(user, f"/{number}")).status_code == 404


def test_another_users_task_number_is_404_for_me(api_client: APIClient, user: User, other_user: User) -> None:
    TodoFactory.create(owner=other_user)
    assert api_client.get(tasks_url(user, "/1")).status_code == 404
    assert api_client.delete(tasks_url(user, "/1")).status_code == 404
    assert Todo.objects.filter(owner=other_user).count() == 1


@pytest.mark.parametrize("method, suffix", EVERY_ENDPOINT)
def test_requires_authentication(anonymous_client: APIClient, user: User, method: str, suffix: str) -> None:
    TodoFactory.create(owner=user)
    response = getattr(anonymous_client, method)(tasks_url(user, suffix), {"title": "x"}, format="json")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_bad_token_is_401(anonymous_client: APIClient, user: User) -> None:
    anonymous_client.credentials(HTTP_AUTHORIZATION="Bearer abc.def.ghi")
    assert anonymous_client.get(tasks_url(user)).status_code == 401


@pytest.mark.parametrize("method, suffix", EVERY_ENDPOINT)
def test_other_users_path_is_403_and_changes_nothing(user: User, other_user: User, method: str, suffix: str) -> None:
    TodoFactory.create(owner=other_user, title="theirs")
    response = getattr(client_for(user), method)(tasks_url(other_user, suffix), {"title": "mine now"}, format="json")
    assert response.status_code == 403
    task = Todo.objects.get(owner=other_user)
    assert (task.title, task.completed) == ("theirs", False)
    assert Todo.objects.count() == 1


@pytest.mark.parametrize("user_id", ["not-a-uuid", "123", str(uuid.uuid4())[:-1]])
def test_non_uuid_user_id_is_404_json(api_client: APIClient, user_id: str) -> None:
    response = api_client.get(f"/api/{user_id}/tasks")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_uuid_user_is_403(api_client: APIClient) -> None:
    assert api_client.get(f"/api/{uuid.uuid4()}/tasks").status_code == 403


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "y" * 1001}, "description"),
        ({"title": ["a", "list"]}, "title"),
        ({"title": None}, "title"),
    ],
)
def test_create_rejects_bad_bodies_with_field_errors(
    api_client: APIClient, user: User, body: dict[str, str | list[str] | None], field: str
) -> None:
    response = api_client.post(tasks_url(user), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Todo.objects.exists()


def test_create_accepts_limits(api_client: APIClient, user: User) -> None:
    response = api_client.post(tasks_url(user), {"title": "x" * 200, "description": "y" * 1000}, format="json")
    assert response.status_code == 201


def test_patch_rejects_bad_completed(api_client: APIClient, user: User) -> None:
    TodoFactory.create(owner=user)
    response = api_client.patch(tasks_url(user, "/1"), {"completed": "maybe"}, format="json")
    assert response.status_code == 400
    assert "completed" in response.json()


@pytest.mark.parametrize("payload", ["{broken", "[1, 2", "\x00\xff"])
def test_non_json_body_is_400(api_client: APIClient, user: User, payload: str) -> None:
    response = api_client.generic("POST", tasks_url(user), payload, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_json_array_body_is_400(api_client: APIClient, user: User) -> None:
    response = api_client.post(tasks_url(user), [1, 2], format="json")
    assert response.status_code == 400


def test_browsable_api_renders(api_client: APIClient, user: User) -> None:
    response = api_client.get(tasks_url(user), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"<form" in response.content
