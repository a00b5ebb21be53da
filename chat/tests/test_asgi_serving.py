"""The production server (`gunicorn -c config/gunicorn.py`, uvicorn workers, ASGI) on the test
database: a stream arrives as the turn happens, a client that goes away does not stop its
turn, and turns waiting on the model hold no database connection."""

import http.client
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from chat.models import Message, Turn
from chat.tests.scripted_openai import ScriptedOpenAI, reply, tool_calls
from chat.tests.servers import server_environment, spawn_gunicorn, stop_process, wait_until_serving
from todos.models import Todo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

ADD_MILK = ("add_task", {"title": "Buy milk", "description": None})
POOL_SIZE = 3


@pytest.fixture
def gunicorn(scripted_openai: ScriptedOpenAI, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The production server: its process and base URL."""
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        env = server_environment(scripted_openai, DATABASE_POOL_SIZE=str(POOL_SIZE))
        process, base_url = spawn_gunicorn(env, log)
        try:
            wait_until_serving(process, base_url, str(log_path))
            yield process, base_url
        finally:
            stop_process(process)


@pytest.fixture
def server(gunicorn: tuple[subprocess.Popen[bytes], str]) -> str:
    _, base_url = gunicorn
    return str(base_url)


def post_chat(base_url: str, user: Any, message: str, *, stream: bool) -> http.client.HTTPConnection:
    """Send a chat request; the caller reads (or abandons) the response."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=20)
    conn.request(
        "POST",
        f"/api/{user.pk}/chat",
        body=json.dumps({"message": message}),
        headers={
            "Authorization": f"Bearer {AccessToken.for_user(user)}",
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if stream else "application/json",
        },
    )
    return conn


def read_events(response: http.client.HTTPResponse) -> Iterator[tuple[float, Any]]:
    """Each event of an SSE response as it arrives, with the time it arrived."""
    while line := response.readline():
        if line.startswith(b"data: "):
            data = line[6:].strip().decode()
            yield time.monotonic(), data if data == "[DONE]" else json.loads(data)


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_stream_arrives_as_the_turn_happens(server: str, scripted_openai: ScriptedOpenAI) -> None:
    user = UserFactory.create()
    scripted_openai.script(tool_calls(ADD_MILK), reply("Added Buy milk.", delay=1.5))

    conn = post_chat(server, user, "add milk", stream=True)
    response = conn.getresponse()
    arrivals = {event["type"]: at for at, event in read_events(response) if event != "[DONE]"}

    assert response.status == 200
    assert response.getheader("x-vercel-ai-ui-message-stream") == "v1"
    # The tool's result was sent when its step was stored, before the model's slow reply.
    assert arrivals["text-delta"] - arrivals["tool-output-available"] > 1.0
    assert Todo.objects.get(owner=user).title == "Buy milk"


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_a_client_that_goes_away_mid_turn_does_not_stop_the_turn(
    server: str, scripted_openai: ScriptedOpenAI, stream: bool
) -> None:
    user = UserFactory.create()
    scripted_openai.script(tool_calls(ADD_MILK), reply("Added Buy milk.", delay=1.5))

    conn = post_chat(server, user, "add milk", stream=stream)
    assert wait_for(lambda: Todo.objects.filter(owner=user).exists())  # the first step is stored
    conn.close()  # the client goes away while the model is still writing its reply

    assert wait_for(lambda: Turn.objects.filter(conversation__owner=user, status="completed").exists())
    reply_row = Message.objects.filter(conversation__owner=user, role="assistant").exclude(content="").get()
    assert reply_row.content == "Added Buy milk."


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_a_server_that_stops_lets_the_turns_of_gone_clients_finish(
    gunicorn: tuple[subprocess.Popen[bytes], str], scripted_openai: ScriptedOpenAI
) -> None:
    process, base_url = gunicorn
    user = UserFactory.create()
    scripted_openai.script(tool_calls(ADD_MILK), reply("Added Buy milk.", delay=1.5))

    conn = post_chat(base_url, user, "add milk", stream=True)
    assert wait_for(lambda: Todo.objects.filter(owner=user).exists())
    conn.close()
    process.terminate()  # gunicorn stops its workers gracefully (SIGTERM)
    process.wait(timeout=30)

    turn = Turn.objects.get(conversation__owner=user)
    assert turn.status == "completed"
    assert Message.objects.filter(turn=turn, role="assistant").exclude(content="").get().content == "Added Buy milk."


def service_connections(*, besides: int) -> int:
    """Connections to the test database other than this thread's and the test's (`besides`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [besides],
        )
        return int(cursor.fetchone()[0])


def test_turns_waiting_on_the_model_hold_no_database_connection(server: str, scripted_openai: ScriptedOpenAI) -> None:
    """30 turns at once, each waiting 1 s on the model twice, on a pool of 3 connections: all
    succeed, together (not 3 at a time), and the service never opens more than its pool."""
    users = [UserFactory.create() for _ in range(30)]
    scripted_openai.fallback = lambda request: (
        reply("Done.", delay=1.0) if request["messages"][-1]["role"] == "tool" else tool_calls(ADD_MILK, delay=1.0)
    )
    statuses: list[int] = []
    peak = 0
    done = threading.Event()
    test_connection = backend_pid()

    def sample() -> None:
        nonlocal peak
        try:
            while not done.is_set():
                peak = max(peak, service_connections(besides=test_connection))
                time.sleep(0.05)
        finally:
            connection.close()  # this thread's own

    def one_turn(user: Any) -> None:
        conn = post_chat(server, user, "add milk", stream=False)
        statuses.append(conn.getresponse().status)
        conn.close()

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=one_turn, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()

    assert statuses == [200] * 30
    assert Todo.objects.count() == 30
    assert elapsed < 6.0  # 10 rounds of 2 s if turns held their connection
    assert 1 <= peak <= POOL_SIZE
