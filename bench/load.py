"""Throughput through gunicorn with a slow model (figures 4 and 5 of `make bench`).

Starts a scripted OpenAI-compatible server that answers every call after MODEL_DELAY
seconds, starts `gunicorn -c config/gunicorn.py` (the serving it names, bench/serving_processes.py)
against DATABASE_URL, then
16 clients post chat turns for 10 s. Prints one JSON object.
"""

import http.client
import json
import multiprocessing
import multiprocessing.synchronize
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from serving_processes import current_serving_command  # noqa: E402 - bench/serving_processes.py

from chat.tests.helpers import free_port  # noqa: E402

CLIENTS = 16
DURATION = 10.0
MODEL_DELAY = 0.25


def request(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    call = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")  # noqa: S310
    try:
        with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_until_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/schema/", timeout=2).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def register(base: str, index: int) -> tuple[str, str]:
    username = f"load-{index}-{time.monotonic_ns()}"
    password = "a-long-benchmark-password-1"  # noqa: S105
    status, user = request(f"{base}/api/auth/register", {"username": username, "password": password})
    status, tokens = request(f"{base}/api/auth/token", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"could not register a benchmark client: {status} {user} {tokens}")
    return user["id"], tokens["access"]


def worker_peak_memory_mb(master_pid: int) -> list[float]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(round(int(line.split()[1]) / 1024, 1))
    return peaks


def slow_model(port: int, ready: "multiprocessing.synchronize.Event") -> None:
    """The scripted model server, in a process of its own so the load clients do not slow it."""
    from chat.tests.scripted_openai import ScriptedOpenAI, reply

    ScriptedOpenAI(fallback=lambda request: reply("Noted.", delay=MODEL_DELAY), port=port).start()
    ready.set()
    threading.Event().wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    model_port = free_port()
    ready = multiprocessing.Event()
    model = multiprocessing.Process(target=slow_model, args=(model_port, ready), daemon=True)
    model.start()
    assert model.pid is not None  # noqa: S101 - started above
    ready.wait(10)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
        "DEBUG": "0",
        "AGENT_BACKEND": "openai",
        "OPENAI_API_KEY": "sk-benchmark",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{model_port}/v1",
        "OPENAI_MAX_RETRIES": "0",
        "CHAT_THROTTLE_RATE": "",
        "AUTH_THROTTLE_RATE": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=PROJECT, env=environment, check=True
    )
    gunicorn = subprocess.Popen(  # noqa: S603
        current_serving_command(),
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(base, time.monotonic() + 30)
        accounts = [register(base, index) for index in range(CLIENTS)]
        # One warm-up turn per client: each worker imports the SDK and opens its pools.
        conversations = [
            request(f"{base}/api/{user_id}/chat", {"message": "hello"}, token)[1]["conversation_id"]
            for user_id, token in accounts
        ]
        latencies: list[float] = []
        failures: list[int] = []
        lock = threading.Lock()
        start_gate = threading.Barrier(CLIENTS + 1)

        def client(index: int) -> None:
            user_id, token = accounts[index]
            body = json.dumps({"message": "add a task to buy milk", "conversation_id": conversations[index]})
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # kept alive
            start_gate.wait()
            deadline = started + DURATION
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                connection.request("POST", f"/api/{user_id}/chat", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                with lock:
                    if status == 200:
                        latencies.append(time.perf_counter() - began)
                    else:
                        failures.append(status)

        workers = [int(pid) for pid in Path(f"/proc/{gunicorn.pid}/task/{gunicorn.pid}/children").read_text().split()]
        cpu_before = {pid: cpu_seconds(pid) for pid in [*workers, model.pid, os.getpid()]}
        threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        start_gate.wait()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu_used = {pid: round(cpu_seconds(pid) - before, 2) for pid, before in cpu_before.items()}
        ideal = CLIENTS / MODEL_DELAY
        throughput = len(latencies) / elapsed
        latencies.sort()
        print(
            json.dumps(
                {
                    "turns": len(latencies),
                    "failures": len(failures),
                    "seconds": round(elapsed, 2),
                    "turns_per_second": round(throughput, 1),
                    "ideal_turns_per_second": ideal,
                    "ratio_to_ideal": round(throughput / ideal, 3),
                    "p50_ms": round(statistics.median(latencies) * 1000, 1),
                    "p95_ms": round(latencies[round(0.95 * (len(latencies) - 1))] * 1000, 1),
                    "worker_peak_memory_mb": worker_peak_memory_mb(gunicorn.pid),
                    "cpu_seconds": {
                        "gunicorn_workers": round(sum(cpu_used[pid] for pid in workers), 2),
                        "model_server": cpu_used[model.pid],
                        "load_clients": cpu_used[os.getpid()],
                    },
                }
            )
        )
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        model.terminate()


if __name__ == "__main__":
    main()
