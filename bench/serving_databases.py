"""The serving benchmarks' PostgreSQL databases: a migrated template with the benchmark's users
in it, and a scratch copy of it for each serving (bench_serving_*), dropped afterwards."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
TEMPLATE = "bench_serving_template"
SECRET_KEY = "benchmark-only-secret-key-0123456789abcdef"  # noqa: S105 - signs the bench's tokens


def admin_execute(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as admin:
        for statement in statements:
            admin.execute(statement.encode())  # our own fixed names


@dataclass
class Account:
    user_id: str
    token: str


def prepare_template(users: int) -> list[Account]:
    """A migrated database with `users` users, copied for each serving; their access tokens."""
    admin_execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE}")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "bench/serving.py", "--make-users", str(users)],
        cwd=PROJECT,
        env={
            **os.environ,
            "DATABASE_URL": f"{POSTGRES}/{TEMPLATE}",
            "SECRET_KEY": SECRET_KEY,
            "JWT_ACCESS_MINUTES": "720",
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise SystemExit(f"could not prepare {TEMPLATE}:\n{result.stderr[-3000:]}")
    return [Account(*pair) for pair in json.loads(result.stdout.strip().splitlines()[-1])]


def make_users(count: int) -> None:
    """In a process of its own (Django set up on the template database): migrate, add users."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    call_command("migrate", verbosity=0)
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"bench-{index}", name=f"Bench {index}", password=unusable) for index in range(count)]
    )
    print(json.dumps([[str(user.pk), str(AccessToken.for_user(user))] for user in users]))


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
