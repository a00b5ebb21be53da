"""Concurrent creates for one user get distinct numbers (needs real row locks: PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connections

from accounts.tests.factories import UserFactory
from todos import services
from todos.models import Todo

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql,
]

THREADS = 12


def test_parallel_creates_get_distinct_numbers() -> None:
    user = UserFactory.create()
    barrier = Barrier(THREADS)

    def create(index: int) -> int:
        try:
            barrier.wait()
            return services.add_task(owner=user, title=f"task {index}").number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        numbers = list(pool.map(create, range(THREADS)))

    assert sorted(numbers) == list(range(1, THREADS + 1))
    assert sorted(Todo.objects.filter(owner=user).values_list("number", flat=True)) == list(range(1, THREADS + 1))
