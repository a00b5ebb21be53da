"""A live server for the MCP tests (uvicorn, as `make run` serves it) and what its tests say to
it: HTTP for the REST API, and the official MCP client over Streamable HTTP for `/mcp`.

The server uses the test database when it is PostgreSQL (several connections share it);
on SQLite, whose test database lives in this process's memory, a file database of its own,
migrated first. Either way the tests speak to it over HTTP only."""

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import httpx2
from django.conf import settings
from django.db import connection
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from accounts.tests.factories import PASSWORD
from chat.tests.helpers import free_port
from chat.tests.servers import database_url, spawn_gunicorn, stop_process, wait_until_serving

T = TypeVar("T")


@dataclass(frozen=True)
class Account:
    id: str
    jwt: str


def server_database(directory: Path) -> str:
    if connection.vendor == "postgresql":
        return database_url()
    url = f"sqlite:///{directory / 'mcp.sqlite3'}"
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=settings.BASE_DIR,
        env=server_environment(url),
        check=True,
    )
    return url


def server_environment(database: str, **overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AGENT_BACKEND": "offline",
        "CHAT_THROTTLE_RATE": "",
        "AUTH_THROTTLE_RATE": "",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def spawn(directory: Path, database: str, *, gunicorn: bool = False, **overrides: str) -> Iterator[str]:
    """Serve `config.asgi:application` on `database` with uvicorn (as `make run` does) or with
    `gunicorn -c config/gunicorn.py`, until the generator is closed; yields its URL."""
    env = server_environment(database, **overrides)
    with open(directory / f"server-{uuid.uuid4().hex[:6]}.log", "wb") as log:
        if gunicorn:
            process, base_url = spawn_gunicorn(env, log)
        else:
            port = free_port()
            command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port)]
            process = subprocess.Popen(  # noqa: S603 - our own interpreter
                [*command, "--host", "127.0.0.1"], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            base_url = f"http://127.0.0.1:{port}"
        log_path = log.name
        try:
            wait_until_serving(process, base_url, str(log_path))
            yield base_url
        finally:
            stop_process(process)


def http(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request; returns the status, the headers and the body (JSON read; None if empty)."""
    request = Request(base_url + path, method=method, data=None if body is None else json.dumps(body).encode())  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json, text/event-stream")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urlopen(request, timeout=20) as response:  # noqa: S310 - the test server
            status, response_headers, text = response.status, dict(response.headers), response.read()
    except HTTPError as error:
        status, response_headers, text = error.code, dict(error.headers), error.read()
    headers = {name.lower(): value for name, value in response_headers.items()}
    if not text:
        return status, headers, None
    return status, headers, json.loads(text) if "json" in headers.get("content-type", "") else text.decode()


def sign_up(base_url: str) -> Account:
    username = f"mcp-{uuid.uuid4().hex[:10]}"
    status, _, user = http(base_url, "POST", "/api/auth/register", {"username": username, "password": PASSWORD})
    assert status == 201, user
    _, _, tokens = http(base_url, "POST", "/api/auth/token", {"username": username, "password": PASSWORD})
    return Account(id=user["id"], jwt=tokens["access"])


def new_access_token(base_url: str, account: Account, name: str = "laptop") -> dict[str, Any]:
    status, _, body = http(base_url, "POST", "/api/auth/tokens", {"name": name}, token=account.jwt)
    assert status == 201, body
    return dict(body)


def with_mcp(base_url: str, token: str, work: Callable[[ClientSession], Awaitable[T]]) -> T:
    """Open an MCP session (the official client, Streamable HTTP) with `token` and run `work` in it."""

    async def session() -> T:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=20) as client,
            streamable_http_client(f"{base_url}/mcp", http_client=client) as (read, write),
            ClientSession(read, write) as mcp_session,
        ):
            await mcp_session.initialize()
            return await work(mcp_session)

    return asyncio.run(session())


def call(base_url: str, token: str, name: str, arguments: dict[str, Any]) -> Any:
    """Call one tool over MCP; returns its `CallToolResult`."""
    return with_mcp(base_url, token, lambda session: session.call_tool(name, arguments))
