"""Settings are read from the environment; run in a subprocess so each case starts clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    # Set (not just unset) what the cases depend on: a developer's .env only fills in
    # variables the environment does not have.
    clean = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    clean |= {"SECRET_KEY": "", "DEBUG": "0"}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_fails_clearly_when_debug_is_off() -> None:
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_runs_with_dev_key() -> None:
    result = run_manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 30 + "-production-secret-0123456789abcdefghij",
    "ALLOWED_HOSTS": "todo.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
}


def test_check_deploy_is_clean_with_documented_production_settings() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_https_settings() -> None:
    environment = {**PRODUCTION, "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **environment)
    assert result.returncode != 0


def test_unknown_agent_backend_fails_at_startup() -> None:
    result = run_manage("check", DEBUG="1", AGENT_BACKEND="gpt")
    assert result.returncode != 0
    assert "AGENT_BACKEND must be 'openai', 'offline' or empty" in result.stderr


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("CHAT_THROTTLE_RATE", "thirty a minute", "CHAT_THROTTLE_RATE must look like 30/min"),
        ("AUTH_THROTTLE_RATE", "5/fortnight", "AUTH_THROTTLE_RATE must look like 30/min"),
        ("CHAT_CONTEXT_TOKENS", "8191", "CHAT_CONTEXT_TOKENS must be at least 8192"),
    ],
)
def test_bad_values_fail_at_startup_not_per_request(variable: str, value: str, message: str) -> None:
    result = run_manage("check", DEBUG="1", **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("environment", "backend"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/5"}, "django.core.cache.backends.redis.RedisCache"),
        ({"REDIS_URL": ""}, "django.core.cache.backends.db.DatabaseCache"),
    ],
)
def test_throttle_counters_are_in_a_cache_every_worker_shares(environment: dict[str, str], backend: str) -> None:
    """Redis when REDIS_URL is set, else the database: never one process's memory, which let
    each worker grant the full rate."""
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        DEBUG="1",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == backend


@pytest.mark.django_db
def test_migrate_makes_the_database_caches_table() -> None:
    from django.core.cache import cache
    from django.db import connection

    assert "django_cache" in connection.introspection.table_names()
    cache.set("probe", 1)
    assert cache.get("probe") == 1
