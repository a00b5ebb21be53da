"""Server processes for the tests that need a real server (several instances, a kill, ASGI):
`runserver` or the production `gunicorn -c config/gunicorn.py`, on the test database, with
the agent pointed at a scripted OpenAI-compatible server."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import IO, Any

import pytest
from django.conf import settings
from django.db import connection

from chat.tests.helpers import free_port

STARTUP_TIMEOUT = 20.0


def database_url() -> str:
    db = connection.settings_dict  # the test database, e.g. test_todo
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def server_environment(scripted_openai: Any, **overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,  # the JWTs the test signs must verify
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AGENT_BACKEND": "openai",
        "OPENAI_API_KEY": "sk-test-key",
        "OPENAI_BASE_URL": scripted_openai.base_url,
        "OPENAI_MAX_RETRIES": "0",
        "CHAT_THROTTLE_RATE": "",
        "AUTH_THROTTLE_RATE": "",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def spawn_runserver(env: dict[str, str], log: IO[bytes]) -> tuple[subprocess.Popen[bytes], str]:
    """Start `runserver` on a free port, its output into `log`; returns it and its base URL."""
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    return process, f"http://127.0.0.1:{port}"


def spawn_gunicorn(env: dict[str, str], log: IO[bytes], *, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    """Start the production server (`gunicorn -c config/gunicorn.py`) on a free port."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers), "GUNICORN_ACCESS_LOG": ""}
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and config
        command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    return process, f"http://127.0.0.1:{port}"


def wait_until_serving(process: subprocess.Popen[bytes], base_url: str, log_path: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{base_url} exited with {process.returncode}:\n{open(log_path).read()}")
        try:
            urllib.request.urlopen(base_url + "/api/schema/", timeout=1).close()  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{base_url} did not answer within {STARTUP_TIMEOUT:.0f} s:\n{open(log_path).read()}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a server process the tests started: asked to stop, killed if it has not in 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
