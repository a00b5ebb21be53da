"""Load generation for the serving benchmarks: chat clients posting turns (closed loop or one
by one, streamed), and slow or silent connections held open while a probe measures answers."""

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from http1 import Connection, Response, build_request  # bench/ is on the path: scripts run from it
from serving_databases import Account
from serving_measures import percentile

PROBE_TIMEOUT = 5.0


async def one_request(port: int, raw: bytes, timeout: float = 10.0) -> Response:
    connection = Connection("127.0.0.1", port)
    try:
        async with asyncio.timeout(timeout):
            return await connection.request(raw)
    finally:
        connection.close()


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


async def slow_clients(port: int, account: Account, *, slow: int, silent: int, duration: float) -> dict[str, Any]:
    """`slow` connections sending a header byte a second, `silent` ones sending nothing, all
    reopened when the server closes them, while a probe GETs /api/ every 0.5 s."""
    held = HeldConnections(port)
    probe = build_request(
        "GET", "/api/", f"127.0.0.1:{port}", {"Authorization": f"Bearer {account.token}", "Connection": "close"}
    )
    baseline, _ = await probes(port, probe, count=10, interval=0.1)
    holders = [asyncio.create_task(held.hold("slow")) for _ in range(slow)]
    holders += [asyncio.create_task(held.hold("silent")) for _ in range(silent)]
    await asyncio.sleep(2)  # all connected, the first header bytes sent
    latencies, failures = await probes(port, probe, count=round(duration / 0.5), interval=0.5)
    held.stopping.set()
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
        "connections_opened": dict(held.opened),
        "connections_ended": dict(held.closed),
    }


class HeldConnections:
    """Connections to `port` held open until `stopping` is set, each reopened when the server
    ends it; how many were opened and how each ended, by kind."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stopping = asyncio.Event()
        self.opened: Counter[str] = Counter()
        self.closed: Counter[str] = Counter()

    async def hold(self, kind: str) -> None:
        """One connection of `kind`: "slow" sends a header byte a second, "silent" nothing."""
        while not self.stopping.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                self.closed[f"{kind} refused"] += 1
                await asyncio.sleep(1)
                continue
            self.opened[kind] += 1
            try:
                if kind == "slow":
                    writer.write(f"GET /api/ HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nX-Slow: ".encode())
                while not self.stopping.is_set():
                    try:
                        data = await asyncio.wait_for(reader.read(4096), timeout=1.0)
                    except TimeoutError:
                        if kind == "slow":
                            writer.write(b"a")
                        continue
                    self.closed[f"{kind} answered" if data else f"{kind} closed by the server"] += 1
                    break
            except OSError:
                self.closed[f"{kind} reset by the server"] += 1
            finally:
                writer.close()


async def probes(port: int, probe: bytes, *, count: int, interval: float) -> tuple[list[float], Counter[str]]:
    """`count` probes, one started every `interval` seconds whether the last has answered or
    not: the latencies of those answered 200, and the others' failures by kind."""
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
