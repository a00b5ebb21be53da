"""Serving benchmarks: the old serving (gthread WSGI) and the new one (config/gunicorn.py's own)
side by side in one run, against a scripted OpenAI-compatible model (bench/model_server.py).

1. 1,000 concurrent clients (one user each), every model call answered after 5 s, a tool call in
   every turn (two calls: ~10 s a turn, ideal 100 turns/s); PostgreSQL connections of the
   service sampled every 0.2 s; peak memory per worker.
2. Figure 4 of `make bench` again: 16 clients, one 250 ms model call a turn (ideal 64 turns/s).
3. 200 slow-header and 200 silent connections held open while a probe makes an authenticated
   GET /api/ on a new connection every 0.5 s.
5. Time to the first server-sent event of a streamed turn (`Accept: text/event-stream`), with
   the offline agent and with the openai agent on a streaming model with no delay (new only).

Everything runs on PostgreSQL at BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432)
in scratch databases bench_serving_*, copied from a migrated template with the users in it.

    .venv/bin/python bench/serving.py                  # every figure, both servings
    .venv/bin/python bench/serving.py --only 1 --clients 200 --servings old
"""

import argparse
import asyncio
import json
import os
import random
import resource
import runpy
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from http1 import Connection, Response, build_request  # bench/ is on the path: scripts run from it

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))  # for --make-users, which sets Django up

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
TEMPLATE = "bench_serving_template"
SECRET_KEY = "benchmark-only-secret-key-0123456789abcdef"  # noqa: S105 - signs the bench's tokens
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PORTS = range(18000, 19000)
WORKERS = 2
PROBE_TIMEOUT = 5.0

# The old serving: the threaded WSGI workers of before the ASGI change (the command line
# overrides config/gunicorn.py). The one place this command is written.
OLD_SERVING = ("--worker-class", "gthread", "--threads", "16", "config.wsgi:application")
NEW_APP = "config.asgi:application"


# --- the servings ---------------------------------------------------------------------------


def gunicorn_settings() -> dict[str, Any]:
    return runpy.run_path(str(PROJECT / "config" / "gunicorn.py"))


def new_serving_ready() -> bool:
    """config/gunicorn.py names the ASGI application and its uvicorn workers."""
    settings = gunicorn_settings()
    return "uvicorn" in str(settings.get("worker_class", "")).lower()


def gunicorn_command(serving: str) -> list[str]:
    command = [GUNICORN, "-c", "config/gunicorn.py"]
    if serving == "old":
        return command + list(OLD_SERVING)
    return command + ([] if gunicorn_settings().get("wsgi_app") else [NEW_APP])


def current_serving_command() -> list[str]:
    """What config/gunicorn.py serves today: the new serving once it names uvicorn workers."""
    return gunicorn_command("new" if new_serving_ready() else "old")


def free_port() -> int:
    """A free port in 18000-18999 (this benchmark's range)."""
    start = random.randrange(len(PORTS))  # noqa: S311 - not security
    for offset in range(len(PORTS)):
        port = PORTS[(start + offset) % len(PORTS)]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18000-18999")


def raise_open_files_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 4096:
        raise SystemExit("`ulimit -n` is below 4096 and cannot be raised: the benchmark needs 1,400+ sockets")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class ModelServer:
    """bench/model_server.py in a process of its own."""

    def __init__(self, *, delay: float, script: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter and script
            [sys.executable, "bench/model_server.py", "--port", str(self.port), "--delay", str(delay)]
            + ["--script", script],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None  # noqa: S101 - piped above
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the scripted model server did not start")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> dict[str, int]:
        async def get() -> Response:
            connection = Connection("127.0.0.1", self.port)
            try:
                return await connection.request(build_request("GET", "/stats", "model"))
            finally:
                connection.close()

        stats: dict[str, int] = json.loads(asyncio.run(get()).body)
        return stats

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Gunicorn:
    """One serving of the service on a free port, its log in a temporary file."""

    def __init__(self, serving: str, database_url: str, *, backend: str, model: ModelServer | None) -> None:
        self.serving = serving
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-serving-{serving}-", suffix=".log")  # noqa: SIM115
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "AGENT_BACKEND": backend,
            "OPENAI_API_KEY": "x",
            "OPENAI_BASE_URL": model.base_url if model else "http://127.0.0.1:9/v1",
            "OPENAI_MAX_RETRIES": "0",
            "CHAT_THROTTLE_RATE": "",
            "AUTH_THROTTLE_RATE": "",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(WORKERS),
            "GUNICORN_ACCESS_LOG": "",
            "LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen(  # noqa: S603 - our gunicorn
            gunicorn_command(serving),
            cwd=PROJECT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_open_files_limit,  # noqa: PLW1509 - before exec, no threads yet
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.serving} serving exited:\n{self.log_tail()}")
            if len(children(self.process.pid)) == WORKERS:
                try:
                    status = asyncio.run(one_request(self.port, build_request("GET", "/api/", "127.0.0.1"))).status
                except OSError:
                    status = 0
                if status == 200:
                    time.sleep(2)  # the other worker finishes importing
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.serving} serving did not start:\n{self.log_tail()}")

    @property
    def workers(self) -> list[int]:
        return children(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def log_problems(self) -> Counter:
        """Lines of the error log worth reporting, counted by kind."""
        kinds: Counter = Counter()
        for line in Path(self.log.name).read_text(errors="replace").splitlines():
            for kind in ("WORKER TIMEOUT", "CRITICAL", "ERROR", "Traceback", "Too many open files"):
                if kind in line:
                    kinds[kind] += 1
        return kinds

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


async def one_request(port: int, raw: bytes, timeout: float = 10.0) -> Response:
    connection = Connection("127.0.0.1", port)
    try:
        async with asyncio.timeout(timeout):
            return await connection.request(raw)
    finally:
        connection.close()


# --- databases ------------------------------------------------------------------------------


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


class ConnectionSampler(threading.Thread):
    """Counts the backends connected to one database every `interval` seconds (from the
    `postgres` database, so the sampler is not one of them), and the CPU they use."""

    def __init__(self, database: str, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.database, self.interval = database, interval
        self.samples: list[int] = []
        self.backend_cpu: dict[int, tuple[float, float]] = {}  # pid: (first seen, last seen)
        self.stopping = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            while not self.stopping.wait(self.interval):
                pids = [
                    int(pid)
                    for (pid,) in admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,))
                ]
                self.samples.append(len(pids))
                for pid in pids:
                    now = cpu_seconds(pid)
                    self.backend_cpu[pid] = (self.backend_cpu.get(pid, (now, now))[0], now)

    def stop(self) -> dict[str, float]:
        self.stopping.set()
        self.join()
        return {
            "max": max(self.samples, default=0),
            "samples": len(self.samples),
            "backend_cpu_seconds": round(sum(last - first for first, last in self.backend_cpu.values()), 1),
        }


def machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --- load -----------------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")


@dataclass
class ChatClient:
    port: int
    account: Account
    message: str = "add a task to buy milk"
    accept: str = "application/json"
    conversation_id: str | None = None
    connection: Connection = field(init=False)
    _raw: bytes = b""

    def __post_init__(self) -> None:
        self.connection = Connection("127.0.0.1", self.port)

    def request_bytes(self) -> bytes:
        if not self._raw:
            body = {"message": self.message} | (
                {"conversation_id": self.conversation_id} if self.conversation_id else {}
            )
            self._raw = build_request(
                "POST",
                f"/api/{self.account.user_id}/chat",
                f"127.0.0.1:{self.port}",
                {
                    "Authorization": f"Bearer {self.account.token}",
                    "Content-Type": "application/json",
                    "Accept": self.accept,
                },
                json.dumps(body).encode(),
            )
        return self._raw

    async def turn(self, timeout: float) -> tuple[Response | None, str]:
        """One turn: (the response, "") or (None, why it failed)."""
        try:
            async with asyncio.timeout(timeout):
                response = await self.connection.request(self.request_bytes())
        except TimeoutError:
            self.connection.close()
            return None, "timeout"
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            self.connection.close()
            return None, type(error).__name__
        if response.status != 200:
            return response, f"HTTP {response.status}"
        if self.conversation_id is None:
            self.conversation_id = self._conversation_of(response)
            self._raw = b""
        return response, ""

    def _conversation_of(self, response: Response) -> str | None:
        if response.headers.get(b"content-type", b"").startswith(b"text/event-stream"):
            for line in response.body.split(b"\n"):
                if b"conversation_id" in line and line.startswith(b"data: {"):
                    found = _find_key(json.loads(line[6:]), "conversation_id")
                    if found:
                        return found
            return None
        conversation: str = json.loads(response.body)["conversation_id"]
        return conversation


def _find_key(value: Any, key: str) -> str | None:
    if isinstance(value, dict):
        if isinstance(value.get(key), str):
            return str(value[key])
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _find_key(item, key)
            if found:
                return found
    return None


@dataclass
class Turn:
    began: float
    ended: float
    failure: str = ""


async def closed_loop(
    port: int, accounts: list[Account], *, ramp: float, duration: float, timeout: float, warm_up: bool
) -> tuple[list[Turn], float, float]:
    """Each client posts turns back to back into its own conversation, starting `ramp`/N apart,
    until `duration` seconds after the ramp; the turns under way then finish (or time out).
    Returns the turns, when the clients started and when the ramp ended."""
    clients = [ChatClient(port, account) for account in accounts]
    turns: list[Turn] = []
    if warm_up:  # one turn each: the conversations exist, the connections are open
        results = await asyncio.gather(*(client.turn(timeout) for client in clients))
        failures = Counter(why for _, why in results if why)
        if failures:
            raise RuntimeError(f"warm-up turns failed: {dict(failures)}")
    started = time.perf_counter()
    steady = started + ramp
    deadline = steady + duration

    async def run(index: int, client: ChatClient) -> None:
        await asyncio.sleep(index * ramp / len(clients))
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            _, why = await client.turn(timeout)
            turns.append(Turn(began, time.perf_counter(), why))
            if why:
                await asyncio.sleep(1.0)  # no tight loop on a refusing server

    await asyncio.gather(*(run(index, client) for index, client in enumerate(clients)))
    for client in clients:
        client.connection.close()
    return turns, started, steady


# --- figures --------------------------------------------------------------------------------


def figure_1(serving: str, accounts: list[Account], *, delay: float, duration: float) -> dict[str, Any]:
    """1,000 clients, a tool call in every turn, every model call answered after `delay`."""
    ramp, timeout = 2 * delay, 3 * 2 * delay
    model = ModelServer(delay=delay, script="tool")
    name = f"bench_serving_1_{serving}"
    try:
        with scratch_database(name) as database_url:
            server = Gunicorn(serving, database_url, backend="openai", model=model)
            try:
                sampler = ConnectionSampler(name)
                sampler.start()
                workers = server.workers
                cpu_pids = {
                    "workers": workers,
                    "model server": [model.process.pid],
                    "load client": [os.getpid()],
                }
                cpu_before = {pid: cpu_seconds(pid) for pids in cpu_pids.values() for pid in pids}
                busy_before = machine_busy_seconds()
                wall_before = time.perf_counter()
                turns, started, steady = asyncio.run(
                    closed_loop(server.port, accounts, ramp=ramp, duration=duration, timeout=timeout, warm_up=False)
                )
                wall = time.perf_counter() - wall_before
                busy = machine_busy_seconds() - busy_before
                worker_cores = [round((cpu_seconds(pid) - cpu_before[pid]) / wall, 2) for pid in workers]
                cpu = {
                    what: round(sum(cpu_seconds(pid) - cpu_before[pid] for pid in pids), 1)
                    for what, pids in cpu_pids.items()
                }
                connections = sampler.stop()
                cpu["postgres backends"] = connections["backend_cpu_seconds"]
                # Everything else on the machine (other people's work): it shares the cores.
                cpu["rest of the machine"] = round(max(0.0, busy - sum(cpu.values())), 1)
                memory = [peak_memory_mb(pid) for pid in server.workers]
                problems = server.log_problems()
            finally:
                server.stop()
        model_stats = model.stats()
    finally:
        model.stop()
    window_end = steady + duration
    in_window = [turn for turn in turns if not turn.failure and steady <= turn.ended < window_end]
    latencies = [turn.ended - turn.began for turn in in_window]
    ideal = len(accounts) / (2 * delay)
    throughput = len(in_window) / duration
    failures = Counter(turn.failure for turn in turns if turn.failure)
    return {
        "serving": serving,
        "clients": len(accounts),
        "model_delay_s": delay,
        "window_s": duration,
        "turns_in_window": len(in_window),
        "turns_per_second": round(throughput, 1),
        "ideal_turns_per_second": ideal,
        "ratio_to_ideal": round(throughput / ideal, 3),
        "failures": sum(failures.values()),
        "failure_kinds": dict(failures),
        "p50_s": round(percentile(latencies, 0.5), 2),
        "p95_s": round(percentile(latencies, 0.95), 2),
        "max_s": round(max(latencies, default=float("nan")), 2),
        "postgres_connections_max": connections["max"],
        "postgres_samples": connections["samples"],
        "worker_peak_memory_mb": memory,
        "cpu_seconds": cpu,
        "cpu_share_of_a_core": {what: round(seconds / wall, 2) for what, seconds in cpu.items()},
        "worker_cpu_cores": worker_cores,
        # Per turn the service ran (two model calls each), answered in time or not.
        "worker_cpu_ms_per_turn": round(1000 * cpu["workers"] / max(1, model_stats["requests"] / 2), 1),
        "model_calls": model_stats["requests"],
        "model_max_open_connections": model_stats["max_open_connections"],
        "server_log": dict(problems),
        "wall_s": round(wall, 1),
    }


def figure_2(serving: str, accounts: list[Account]) -> dict[str, Any]:
    """Figure 4 of `make bench` (bench/load.py) on this serving: 16 clients, one 250 ms call a turn."""
    clients, delay, duration = 16, 0.25, 10.0
    model = ModelServer(delay=delay, script="reply")
    try:
        with scratch_database(f"bench_serving_2_{serving}") as database_url:
            server = Gunicorn(serving, database_url, backend="openai", model=model)
            try:
                workers = server.workers
                worker_cpu_before = [cpu_seconds(pid) for pid in workers]
                busy_before, wall_before = machine_busy_seconds(), time.perf_counter()
                turns, started, _ = asyncio.run(
                    closed_loop(server.port, accounts[:clients], ramp=0, duration=duration, timeout=30, warm_up=True)
                )
                wall = time.perf_counter() - wall_before
                busy = (machine_busy_seconds() - busy_before) / wall
                worker_cores = [
                    round((cpu_seconds(pid) - before) / wall, 2)
                    for pid, before in zip(workers, worker_cpu_before, strict=True)
                ]
                memory = [peak_memory_mb(pid) for pid in workers]
            except RuntimeError as error:
                raise RuntimeError(f"{error}\n{server.log_tail()}") from error
            finally:
                server.stop()
    finally:
        model.stop()
    done = [turn for turn in turns if not turn.failure]
    elapsed = max(turn.ended for turn in turns) - started
    latencies = [turn.ended - turn.began for turn in done]
    ideal = clients / delay
    return {
        "serving": serving,
        "turns": len(done),
        "failures": len(turns) - len(done),
        "turns_per_second": round(len(done) / elapsed, 1),
        "ideal_turns_per_second": ideal,
        "ratio_to_ideal": round(len(done) / elapsed / ideal, 3),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "worker_peak_memory_mb": memory,
        "worker_cpu_cores": worker_cores,  # each worker's CPU over the run, in cores
        "machine_busy_cores": round(busy, 2),  # everything on the machine, the benchmark included
    }


async def slow_clients(port: int, account: Account, *, slow: int, silent: int, duration: float) -> dict[str, Any]:
    """`slow` connections sending a header byte a second, `silent` ones sending nothing, all
    reopened when the server closes them, while a probe GETs /api/ every 0.5 s."""
    stopping = asyncio.Event()
    closed: Counter = Counter()
    opened: Counter = Counter()

    async def hold(kind: str) -> None:
        while not stopping.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                closed[f"{kind} refused"] += 1
                await asyncio.sleep(1)
                continue
            opened[kind] += 1
            try:
                if kind == "slow":
                    writer.write(f"GET /api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode())
                while not stopping.is_set():
                    try:
                        data = await asyncio.wait_for(reader.read(4096), timeout=1.0)
                    except TimeoutError:
                        if kind == "slow":
                            writer.write(b"a")
                        continue
                    closed[f"{kind} answered" if data else f"{kind} closed by the server"] += 1
                    break
            except OSError:
                closed[f"{kind} reset by the server"] += 1
            finally:
                writer.close()

    probe = build_request(
        "GET", "/api/", f"127.0.0.1:{port}", {"Authorization": f"Bearer {account.token}", "Connection": "close"}
    )

    async def probes(count: int, interval: float) -> tuple[list[float], Counter]:
        """`count` probes, one started every `interval` seconds whether the last has answered or not."""
        latencies: list[float] = []
        failures: Counter[str] = Counter()

        async def one() -> None:
            began = time.perf_counter()
            try:
                response = await one_request(port, probe, timeout=PROBE_TIMEOUT)
                if response.status == 200:
                    latencies.append(time.perf_counter() - began)
                else:
                    failures[f"HTTP {response.status}"] += 1
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
                failures[type(error).__name__] += 1

        started, tasks = time.perf_counter(), []
        for index in range(count):
            await asyncio.sleep(max(0.0, started + index * interval - time.perf_counter()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        return latencies, failures

    baseline, _ = await probes(10, 0.1)
    holders = [asyncio.create_task(hold("slow")) for _ in range(slow)]
    holders += [asyncio.create_task(hold("silent")) for _ in range(silent)]
    await asyncio.sleep(2)  # all connected, the first header bytes sent
    latencies, failures = await probes(round(duration / 0.5), 0.5)
    stopping.set()
    await asyncio.gather(*holders)
    samples = len(latencies) + sum(failures.values())
    # A failed probe counts as slower than any answered one (None: no answer).
    padded = latencies + [float("inf")] * sum(failures.values())

    def ms(value: float) -> float | None:
        return round(value * 1000, 1) if value != float("inf") else None

    return {
        "probes": samples,
        "probe_failures": dict(failures),
        "baseline_p50_ms": ms(percentile(baseline, 0.5)),
        "p50_ms": ms(percentile(padded, 0.5)),
        "p95_ms": ms(percentile(padded, 0.95)),
        "max_ms": ms(max(padded, default=float("nan"))),
        "connections_opened": dict(opened),
        "connections_ended": dict(closed),
    }


def figure_3(serving: str, accounts: list[Account], *, duration: float = 30.0) -> dict[str, Any]:
    with scratch_database(f"bench_serving_3_{serving}") as database_url:
        server = Gunicorn(serving, database_url, backend="offline", model=None)
        try:
            result = asyncio.run(slow_clients(server.port, accounts[0], slow=200, silent=200, duration=duration))
        finally:
            server.stop()
    return {"serving": serving, **result}


async def streamed_turns(port: int, accounts: list[Account], *, samples: int) -> dict[str, Any]:
    """Sequential streamed turns, each user in its own conversation: times to the first event,
    the first text and the end, from the request's first byte sent."""
    clients = [ChatClient(port, account, accept="text/event-stream") for account in accounts]
    for client in clients:  # warm-up: imports, pools, the conversations
        for _ in range(3):
            response, why = await client.turn(10)
            if why:
                raise RuntimeError(f"streamed warm-up turn failed: {why} {response and response.body[:300]!r}")
    first: list[float] = []
    text: list[float] = []
    total: list[float] = []
    failures: Counter[str] = Counter()
    for index in range(samples):
        client = clients[index % len(clients)]
        began = time.perf_counter()
        response, why = await client.turn(10)
        ended = time.perf_counter()
        if why or response is None:
            failures[why] += 1
            continue
        if not response.headers.get(b"content-type", b"").startswith(b"text/event-stream"):
            failures["not text/event-stream"] += 1
            continue
        if response.first_data_at is None or not response.body.rstrip().endswith(b"data: [DONE]"):
            failures["no data events or no [DONE]"] += 1
            continue
        first.append(response.first_data_at - began)
        if response.first_text_at is not None:
            text.append(response.first_text_at - began)
        total.append(ended - began)
    for client in clients:
        client.connection.close()

    def ms(values: list[float], fraction: float) -> float:
        return round(percentile(values, fraction) * 1000, 1)

    return {
        "turns": len(first),
        "failures": dict(failures),
        "first_event_p50_ms": ms(first, 0.5),
        "first_event_p95_ms": ms(first, 0.95),
        "first_text_p50_ms": ms(text, 0.5),
        "first_text_p95_ms": ms(text, 0.95),
        "whole_turn_p50_ms": ms(total, 0.5),
        "whole_turn_p95_ms": ms(total, 0.95),
    }


def figure_5(accounts: list[Account], *, samples: int = 200) -> dict[str, Any]:
    results = {}
    for backend in ("offline", "openai"):
        model = ModelServer(delay=0.0, script="tool") if backend == "openai" else None
        try:
            with scratch_database(f"bench_serving_5_{backend}") as database_url:
                server = Gunicorn("new", database_url, backend=backend, model=model)
                try:
                    results[backend] = asyncio.run(streamed_turns(server.port, accounts[:5], samples=samples))
                except RuntimeError as error:
                    raise RuntimeError(f"{error}\n{server.log_tail()}") from error
                finally:
                    server.stop()
            if model:
                results[backend]["model_calls_streamed"] = model.stats()["streamed"]
        finally:
            if model:
                model.stop()
    return {"serving": "new", **results}


# --- the table ------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def megabytes(values: list[float]) -> str:
    return ", ".join(f"{value} MB" for value in values)


def rows_for(figure: str, result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    serving = result.get("serving", "")
    if figure == "1":
        r = result
        return [
            (
                f"1. {r['clients']} clients, {r['model_delay_s']:g} s model, tool call every turn ({serving})",
                f"{r['turns_per_second']} turns/s = {r['ratio_to_ideal']} of {r['ideal_turns_per_second']:g} "
                f"({r['window_s']:g} s window); p50 {r['p50_s']} s, p95 {r['p95_s']} s; "
                f"{r['failures']} failed {r['failure_kinds'] or ''}; PostgreSQL connections max "
                f"{r['postgres_connections_max']}; worker peak {megabytes(r['worker_peak_memory_mb'])}; "
                f"CPU in cores: {', '.join(f'{what} {share}' for what, share in r['cpu_share_of_a_core'].items())}; "
                f"{r['worker_cpu_ms_per_turn']} ms of worker CPU a turn",
                ">= 0.9 of ideal, 0 failed, <= 20 connections, p95 < 12 s",
                verdict(
                    r["ratio_to_ideal"] >= 0.9
                    and r["failures"] == 0
                    and r["postgres_connections_max"] <= 20
                    and r["p95_s"] < 12
                ),
            )
        ]
    if figure == "2":
        r = result
        return [
            (
                f"2. 16 clients, 250 ms model ({serving})",
                f"{r['turns_per_second']} turns/s = {r['ratio_to_ideal']} of {r['ideal_turns_per_second']:g}; "
                f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms; {r['failures']} failed; "
                f"worker peak {megabytes(r['worker_peak_memory_mb'])}; worker CPU "
                f"{' + '.join(str(cores) for cores in r['worker_cpu_cores'])} cores, machine busy "
                f"{r['machine_busy_cores']} cores",
                ">= 0.91 of ideal, 0 failed",
                verdict(r["ratio_to_ideal"] >= 0.91 and r["failures"] == 0),
            )
        ]
    if figure == "3":
        r = result

        def shown(value: float | None) -> str:
            return f"{value} ms" if value is not None else f"> {PROBE_TIMEOUT:g} s (no answer)"

        return [
            (
                f"3. Probe under 200 slow-header + 200 silent connections ({serving})",
                f"p50 {shown(r['p50_ms'])}, p95 {shown(r['p95_ms'])}, max {shown(r['max_ms'])} over {r['probes']} "
                f"probes (idle p50 {r['baseline_p50_ms']} ms); failed {r['probe_failures'] or 0}; "
                f"attack connections ended {r['connections_ended'] or 'none'}",
                "p95 < 100 ms",
                verdict(r["p95_ms"] is not None and r["p95_ms"] < 100),
            )
        ]
    rows = []
    for backend in ("offline", "openai"):
        r = result[backend]
        rows.append(
            (
                f"5. First streamed event, {backend} agent ({serving})",
                f"first event p50 {r['first_event_p50_ms']} ms, p95 {r['first_event_p95_ms']} ms; first text p95 "
                f"{r['first_text_p95_ms']} ms; whole turn p95 {r['whole_turn_p95_ms']} ms; "
                f"{r['turns']} turns, failed {r['failures'] or 0}",
                "p95 < 50 ms",
                verdict(r["first_event_p95_ms"] < 50 and not r["failures"]),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="Serving benchmarks (old gthread WSGI vs new ASGI).")
    parser.add_argument("--only", action="append", choices=["1", "2", "3", "5"], help="run this figure (repeatable)")
    parser.add_argument("--servings", default="old,new", help="comma-separated: old,new")
    parser.add_argument("--clients", type=int, default=1000, help="figure 1's clients")
    parser.add_argument("--delay", type=float, default=5.0, help="figure 1's model delay, seconds")
    parser.add_argument("--window", type=float, default=30.0, help="figure 1's measured seconds (new serving)")
    parser.add_argument("--old-window", type=float, default=20.0, help="figure 1's measured seconds (old serving)")
    parser.add_argument("--make-users", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.make_users:
        make_users(arguments.make_users)
        return
    raise_open_files_limit()
    print("Load average before: {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()))
    figures = arguments.only or ["1", "2", "3", "5"]
    servings = [serving for serving in arguments.servings.split(",") if serving]
    if "new" in servings and not new_serving_ready():
        print("New serving skipped: config/gunicorn.py does not name uvicorn workers yet.")
        servings.remove("new")
    try:
        accounts = prepare_template(max(arguments.clients, 16))
    except Exception as error:  # noqa: BLE001 - PostgreSQL unreachable: say so and skip
        print(f"Serving benchmarks skipped: {error}".strip())
        return
    results: list[tuple[str, dict[str, Any]]] = []
    try:
        for figure in figures:
            if figure == "5":
                if "new" in servings:
                    results.append((figure, figure_5(accounts)))
                    print("serving figure 5, new: done", file=sys.stderr, flush=True)
                continue
            for serving in servings:
                if figure == "1":
                    window = arguments.window if serving == "new" else arguments.old_window
                    result = figure_1(serving, accounts[: arguments.clients], delay=arguments.delay, duration=window)
                elif figure == "2":
                    result = figure_2(serving, accounts)
                else:
                    result = figure_3(serving, accounts)
                results.append((figure, result))
                print(f"serving figure {figure}, {serving}: done", file=sys.stderr, flush=True)
    finally:
        admin_execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    print("| serving figure | result | target | |")
    print("|---|---|---|---|")
    for figure, result in results:
        for row in rows_for(figure, result):
            print("| " + " | ".join(row) + " |")
    print(json.dumps([{"figure": figure, **result} for figure, result in results]))


if __name__ == "__main__":
    main()
