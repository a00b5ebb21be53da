"""The production server (`gunicorn -c config/gunicorn.py`) against clients that hold on to it:
a body announced too large or never sent, headers never finished, a password guessed from
connections that the kernel spreads over two workers."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from chat.tests.servers import server_environment, spawn_gunicorn, stop_process, wait_until_serving

NO_MODEL = SimpleNamespace(base_url="http://127.0.0.1:9/v1")  # no agent runs in these tests
HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database of the servers' own (whatever database the tests run on)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('serving') / 'db.sqlite3'}"
    environment = server_environment(NO_MODEL, DATABASE_URL=url)
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
        timeout=120,
    )
    return url


def gunicorn(log_path: Path, *, workers: int = 1, **overrides: str) -> Iterator[str]:
    with open(log_path, "wb") as log:
        process, base_url = spawn_gunicorn(server_environment(NO_MODEL, **overrides), log, workers=workers)
        try:
            wait_until_serving(process, base_url, str(log_path))
            yield base_url
        finally:
            stop_process(process)


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from gunicorn(
        tmp_path_factory.mktemp("serving") / "gunicorn.log",
        DATABASE_URL=database,
        GUNICORN_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        REQUEST_BODY_TIMEOUT=str(BODY_TIMEOUT),
    )


def connect(base_url: str) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=30)
    return connection


def read_until_closed(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def status_and_body(response: bytes) -> tuple[int, dict]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


TOKEN_HEAD = "POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def test_a_300_mb_content_length_is_413_before_the_body_is_sent(server: str) -> None:
    started = time.monotonic()
    with connect(server) as connection:
        connection.sendall(f"{TOKEN_HEAD}Content-Length: 314572800\r\n\r\n".encode())
        status, body = status_and_body(read_until_closed(connection))
    elapsed = time.monotonic() - started
    assert (status, body["code"]) == (413, "request_too_large")
    assert elapsed < 5, elapsed  # it waited for no byte of the body (it took 3.3 s to read it all)


def test_a_chunked_body_is_413_once_it_passes_the_limit(server: str) -> None:
    with connect(server) as connection:
        connection.sendall(f"{TOKEN_HEAD}Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"%x\r\n%s\r\n" % (1_048_576, b"x" * 1_048_576)
        try:
            for _ in range(300):  # 300 MiB, unless the server stops reading (and closes)
                connection.sendall(chunk)
        except OSError:
            pass  # closed by the server, its answer already sent
        status, body = status_and_body(read_until_closed(connection))
    assert (status, body["code"]) == (413, "request_too_large")


def test_a_body_that_never_comes_is_408_after_the_body_timeout(server: str) -> None:
    started = time.monotonic()
    with connect(server) as connection:
        connection.sendall(f"{TOKEN_HEAD}Content-Length: 100\r\n\r\n{{".encode())
        status, body = status_and_body(read_until_closed(connection))
    assert (status, body["code"]) == (408, "request_timeout")
    assert BODY_TIMEOUT <= time.monotonic() - started < BODY_TIMEOUT + 5


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"],
    ids=["nothing", "headers-unfinished", "a-header-unfinished"],
)
def test_a_connection_that_does_not_finish_its_headers_is_closed(server: str, sent: bytes) -> None:
    started = time.monotonic()
    with connect(server) as connection:
        connection.sendall(sent)
        assert read_until_closed(connection) == b""  # closed, no answer
    assert HEADER_TIMEOUT <= time.monotonic() - started < HEADER_TIMEOUT + 5


def test_a_keep_alive_connection_gets_the_header_timeout_for_its_next_request_too(server: str) -> None:
    with connect(server) as connection:
        connection.sendall(b"GET /api/schema/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(0.2)
        started = time.monotonic()
        connection.sendall(b"GET /api/ HTTP/1.1\r\n")  # the next request, its headers unfinished
        try:
            while connection.recv(65536):  # what is left of the schema, then the close
                pass
        except ConnectionResetError:
            pass
    assert time.monotonic() - started < HEADER_TIMEOUT + 5


def wrong_passwords(base_url: str, count: int) -> list[int]:
    body = json.dumps({"username": "nobody", "password": "wrong"}).encode()
    statuses = []
    for _ in range(count):
        request = urllib.request.Request(  # noqa: S310 - our own server
            f"{base_url}/api/auth/token", body, {"Content-Type": "application/json", "Connection": "close"}
        )
        try:
            urllib.request.urlopen(request, timeout=30).close()  # noqa: S310
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


def redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.mark.parametrize("cache", ["database", "redis"])
def test_the_auth_throttle_holds_across_two_workers(database: str, tmp_path: Path, cache: str) -> None:
    """Before the cache was shared, each worker granted the full rate: 10 of 20 let through."""
    overrides = {"DATABASE_URL": database, "AUTH_THROTTLE_RATE": "5/min"}
    if cache == "redis":
        if not redis_available(REDIS_URL):
            pytest.skip("no Redis at 127.0.0.1:6379")
        import redis

        redis.Redis.from_url(REDIS_URL).delete(":1:throttle_auth_127.0.0.1")
        overrides["REDIS_URL"] = REDIS_URL
    else:
        overrides["REDIS_URL"] = ""
    for base_url in gunicorn(tmp_path / "gunicorn.log", workers=2, **overrides):
        statuses = wrong_passwords(base_url, 20)
    assert statuses == [401] * 5 + [429] * 15
