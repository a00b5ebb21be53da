"""`make chaos`: 16 concurrent chat clients with Idempotency-Keys and retries against gunicorn,
while the database is restarted, stopped for 5 s, and a worker is killed.

Everything runs on a PostgreSQL this script starts itself (initdb into a temporary directory,
on a free port; never the shared one) and a scripted OpenAI-compatible model on 127.0.0.1
(300 ms per call). Each client sends its requests one after another, each with its own key,
and retries the same key on a 503, a 409 or a lost connection until it gets an answer.
Afterwards the database is checked: every task has its record, no tool ran twice, every
history is valid. Prints a JSON line of figures (and a table).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from serving_processes import current_serving_command  # noqa: E402 - bench/serving_processes.py

from chat.tests.helpers import free_port  # noqa: E402
from chat.tests.scripted_openai import ScriptedOpenAI, Step, reply, tool_calls  # noqa: E402

CLIENTS = 16
REQUESTS_PER_CLIENT = int(os.environ.get("CHAOS_REQUESTS", "10"))
MODEL_DELAY = 0.3
GIVE_UP_AFTER = 180.0  # seconds a client keeps retrying one request
# No request that needed retries should wait longer for its answer (a lease, and some).
RETRIED_WAIT_TARGET_SECONDS = 20.0
PG_BIN = next(
    (str(path.parent) for path in sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))),
    str(Path(shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl").parent),
)


def as_postgres(*command: str) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


class Postgres:
    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/chaos"
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
        subprocess.run(  # noqa: S603
            as_postgres(f"{PG_BIN}/initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust"),
            check=True,
            capture_output=True,
        )
        self.options = f"-p {self.port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"

    def ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603
            as_postgres(f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self.options, *args),
            check=True,
            capture_output=True,
            timeout=60,
        )


def agent(request: dict[str, Any]) -> Step:
    """"add <title>": add_task, then a reply naming the task."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        return reply(f"Added: {last['content'][:60]}", delay=MODEL_DELAY)
    return tool_calls(("add_task", {"title": last["content"][4:], "description": None}), delay=MODEL_DELAY)


def post(base_url: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - a local http:// URL
        base_url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"null")
        except ValueError:
            return error.code, None


def wait_for(base_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base_url + "/api/schema/", timeout=2).close()  # noqa: S310
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{base_url} did not start")


class Client(threading.Thread):
    def __init__(self, number: int, base_url: str, user_id: str, token: str, tally: Counter) -> None:
        super().__init__()
        self.number, self.base_url, self.user_id, self.token, self.tally = number, base_url, user_id, token, tally
        self.lock = threading.Lock()
        self.served: list[str] = []
        # The longest a request that needed retries waited for its answer, in seconds.
        self.longest_retried_wait = 0.0

    def count(self, what: str) -> None:
        with self.lock:
            self.tally[what] += 1

    def run(self) -> None:
        conversation: str | None = None
        for index in range(REQUESTS_PER_CLIENT):
            title = f"item {self.number}-{index}"
            body: dict[str, Any] = {"message": f"add {title}"}
            if conversation:
                body["conversation_id"] = conversation
            key = f"chaos-{self.number}-{index}"
            started, tries = time.monotonic(), 0
            while True:
                tries += 1
                try:
                    status, answer = post(
                        self.base_url,
                        f"/api/{self.user_id}/chat",
                        body,
                        {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
                    )
                except OSError:
                    status, answer = 0, None  # connection refused or cut: the worker died
                if status != 200 or tries > 1:
                    self.count(f"answer {status} {answer.get('code') if isinstance(answer, dict) else ''}".strip())
                if status == 200:
                    self.count("ok" if tries == 1 else "retried")
                    if tries > 1:
                        self.longest_retried_wait = max(self.longest_retried_wait, time.monotonic() - started)
                    conversation = answer["conversation_id"]
                    self.served.append(title)
                    break
                if status not in (0, 409, 503) or time.monotonic() - started > GIVE_UP_AFTER:
                    self.count("failed")
                    break
                time.sleep(min(0.25 * tries, 2.0))


def check(database_url: str) -> dict[str, int]:
    import psycopg

    figures: dict[str, int] = {}
    with psycopg.connect(database_url) as db:

        def scalar(sql: str) -> int:
            row = db.execute(sql).fetchone()
            return int(row[0]) if row else 0

        figures["tasks"] = scalar("SELECT count(*) FROM todos_todo")
        figures["changes_without_record"] = scalar("""SELECT count(*) FROM todos_todo t WHERE NOT EXISTS (
                 SELECT 1 FROM chat_taskchange c JOIN chat_turn u ON u.id = c.turn_id
                 JOIN chat_conversation v ON v.id = u.conversation_id
                 WHERE v.owner_id = t.owner_id AND c.number = t.number AND c.action = 'add')""")
        figures["changes_without_record"] += scalar("""SELECT count(*) FROM chat_taskchange c WHERE NOT EXISTS (
                 SELECT 1 FROM chat_message m WHERE m.turn_id = c.turn_id AND m.step = c.step AND m.role = 'tool')""")
        figures["duplicate_tool_runs"] = scalar(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) n FROM todos_todo GROUP BY owner_id, title) d"
        )
        invalid = 0
        rows = db.execute(
            "SELECT conversation_id, role, tool_calls, tool_call_id FROM chat_message "
            "ORDER BY conversation_id, turn_id, step, index"
        ).fetchall()
        by_conversation: dict[Any, list] = {}
        for conversation, role, calls, call_id in rows:
            by_conversation.setdefault(conversation, []).append((role, calls, call_id))
        for messages in by_conversation.values():
            expected: list[str] = []
            for role, calls, call_id in messages:
                if role == "tool":
                    if not expected or expected.pop(0) != call_id:
                        invalid += 1
                        break
                    continue
                if expected:
                    invalid += 1
                    break
                expected = [call["id"] for call in calls or []]
            else:
                invalid += bool(expected)
        figures["invalid_histories"] = invalid
        figures["turns_not_completed"] = scalar("SELECT count(*) FROM chat_turn WHERE status <> 'completed'")
    return figures


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="chaos-"))
    postgres = Postgres(root)
    postgres.ctl("-w", "start")
    try:
        run(root, postgres)
    finally:
        try:
            postgres.ctl("-m", "fast", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(root, ignore_errors=True)


def run(root: Path, postgres: Postgres) -> None:
    subprocess.run(  # noqa: S603
        as_postgres(f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres", "chaos"),
        check=True,
    )
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "SECRET_KEY": "chaos-" + "x" * 40,
        "DEBUG": "0",
        "AGENT_BACKEND": "openai",
        "OPENAI_API_KEY": "sk-chaos",
        "OPENAI_TIMEOUT": "5",
        "OPENAI_MAX_RETRIES": "0",
        "CHAT_THROTTLE_RATE": "",
        "AUTH_THROTTLE_RATE": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "ERROR",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=PROJECT, env=env, check=True)  # noqa: S603
    model = ScriptedOpenAI(fallback=agent).start()
    env["OPENAI_BASE_URL"] = model.base_url
    log = open(root / "gunicorn.log", "wb")  # noqa: SIM115
    gunicorn = subprocess.Popen(  # noqa: S603
        current_serving_command(),
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    tally: Counter = Counter()
    events: list[str] = []
    try:
        wait_for(base_url)
        clients = []
        for number in range(CLIENTS):
            credentials = {"username": f"chaos{number}", "password": "a-long-chaos-password-1"}
            post(base_url, "/api/auth/register", credentials, {})
            _, tokens = post(base_url, "/api/auth/token", credentials, {})
            request = urllib.request.Request(  # noqa: S310
                base_url + "/api/auth/me", headers={"Authorization": f"Bearer {tokens['access']}"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                user_id = json.loads(response.read())["id"]
            clients.append(Client(number, base_url, user_id, tokens["access"], tally))
        started = time.monotonic()
        for client in clients:
            client.start()

        def at(second: float, what: str) -> None:
            time.sleep(max(0.0, started + second - time.monotonic()))
            events.append(f"{time.monotonic() - started:5.1f}s {what}")

        at(3, "kill -9 a gunicorn worker")
        workers = Path(f"/proc/{gunicorn.pid}/task/{gunicorn.pid}/children").read_text().split()
        os.kill(int(workers[0]), signal.SIGKILL)
        at(6, "restart the database")
        postgres.ctl("-m", "fast", "-w", "restart")
        at(12, "stop the database for 5 s")
        postgres.ctl("-m", "fast", "-w", "stop")
        time.sleep(5)
        postgres.ctl("-w", "start")
        events.append(f"{time.monotonic() - started:5.1f}s database back")
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
        figures = check(postgres.url)
        served = [title for client in clients for title in client.served]
        longest_retried_wait = max(client.longest_retried_wait for client in clients)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        log.close()
        model.stop()

    requests = CLIENTS * REQUESTS_PER_CLIENT
    result: dict[str, Any] = {
        "requests": requests,
        "ok": tally["ok"],
        "retried": tally["retried"],
        "failed": tally["failed"],
        "served_tasks_missing": len(served) - figures["tasks"] + figures["duplicate_tool_runs"],
        **figures,
        "answers_before_success": {k: v for k, v in sorted(tally.items()) if k.startswith("answer")},
        "seconds": round(elapsed, 1),
        # A killed worker's keys are free after one lease (IDEMPOTENCY_LEASE_SECONDS, 15 s).
        "longest_retried_wait": round(longest_retried_wait, 1),
        "longest_retried_wait_target": RETRIED_WAIT_TARGET_SECONDS,
        "events": events,
    }
    shown = ["requests", "ok", "retried", "failed", "served_tasks_missing", "changes_without_record"]
    shown += ["duplicate_tool_runs", "invalid_histories", "turns_not_completed", "seconds", "longest_retried_wait"]
    for name in shown:
        print(f"{name:>24}: {result[name]}")
    for name, count in result["answers_before_success"].items():
        print(f"{name:>40}: {count}")
    for event in events:
        print(f"  {event}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
