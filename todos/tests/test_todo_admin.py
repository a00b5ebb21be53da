from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client

from accounts.tests.factories import UserFactory
from todos import services
from todos.models import Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_changelist_filters_and_searches(staff_client: Client) -> None:
    owner = UserFactory.create(username="owner")
    TodoFactory.create(owner=owner, title="Buy groceries")
    TodoFactory.create(owner=owner, title="Call mom", completed=True)
    page = staff_client.get("/admin/todos/todo/", {"q": "groceries"})
    assert page.status_code == 200
    assert b"Buy groceries" in page.content and b"Call mom" not in page.content
    done = staff_client.get("/admin/todos/todo/", {"completed__exact": "1"})
    assert b"Call mom" in done.content and b"Buy groceries" not in done.content


def test_adding_in_admin_gives_the_next_number(staff_client: Client) -> None:
    owner = UserFactory.create()
    TodoFactory.create(owner=owner)
    response = staff_client.post(
        "/admin/todos/todo/add/", {"owner": owner.pk, "title": "From admin", "description": "", "priority": "high"}
    )
    assert response.status_code == 302
    created = Todo.objects.get(title="From admin")
    assert (created.number, created.priority) == (2, "high")


def test_users_in_admin(staff_client: Client) -> None:
    UserFactory.create(username="listed")
    assert b"listed" in staff_client.get("/admin/accounts/user/").content


def test_changelist_filters_by_due_in_each_owners_zone_and_by_priority(staff_client: Client) -> None:
    kiwi = UserFactory.create(username="kiwi", time_zone="Pacific/Auckland")
    angeleno = UserFactory.create(username="angeleno", time_zone="America/Los_Angeles")
    # Saturday 5 December in Auckland, Friday 4 December in Los Angeles.
    with time_machine.travel(datetime(2026, 12, 4, 20, 0, tzinfo=UTC), tick=False):
        services.add_task(owner=kiwi, title="kiwi friday", due_date=date(2026, 12, 4), priority="high")
        services.add_task(owner=angeleno, title="angeleno friday", due_date=date(2026, 12, 4))
        overdue = staff_client.get("/admin/todos/todo/", {"due": "overdue"}).content
        today = staff_client.get("/admin/todos/todo/", {"due": "today"}).content
    assert b"kiwi friday" in overdue and b"angeleno friday" not in overdue
    assert b"angeleno friday" in today and b"kiwi friday" not in today
    high = staff_client.get("/admin/todos/todo/", {"priority__exact": "high"}).content
    assert b"kiwi friday" in high and b"angeleno friday" not in high
