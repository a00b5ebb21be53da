"""The serving benchmarks' figures: each starts the processes it needs on a scratch database,
puts its load on them, and returns what it measured."""

import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from serving_databases import Account, scratch_database
from serving_load import Turn, closed_loop, slow_clients, streamed_turns
from serving_measures import ConnectionSampler, cpu_seconds, machine_busy_seconds, peak_memory_mb, percentile
from serving_processes import Gunicorn, ModelServer


@dataclass
class LoadRun:
    """What figure 1 measured while its clients ran, for its result."""

    turns: list[Turn]
    steady: float  # when the ramp ended: the window starts
    wall: float
    cpu: dict[str, float]  # CPU seconds by who spent them
    worker_cores: list[float]
    connections: dict[str, float]
    memory: list[float]
    problems: Counter


def figure_1(serving: str, accounts: list[Account], *, delay: float, duration: float) -> dict[str, Any]:
    """1,000 clients, a tool call in every turn, every model call answered after `delay`."""
    model = ModelServer(delay=delay, script="tool")
    name = f"bench_serving_1_{serving}"
    try:
        with scratch_database(name) as database_url:
            server = Gunicorn(serving, database_url, backend="openai", model=model)
            try:
                run = _measured_load(server, model, name, accounts, delay=delay, duration=duration)
            finally:
                server.stop()
        model_stats = model.stats()
    finally:
        model.stop()
    return _figure_1_result(serving, accounts, run, model_stats, delay=delay, duration=duration)


def _measured_load(
    server: Gunicorn, model: ModelServer, database: str, accounts: list[Account], *, delay: float, duration: float
) -> LoadRun:
    """Figure 1's closed loop on `server`, with the CPU of each party, the database's
    connections and the workers' memory measured around it."""
    ramp, timeout = 2 * delay, 3 * 2 * delay
    sampler = ConnectionSampler(database)
    sampler.start()
    workers = server.workers
    cpu_pids = {"workers": workers, "model server": [model.process.pid], "load client": [os.getpid()]}
    cpu_before = {pid: cpu_seconds(pid) for pids in cpu_pids.values() for pid in pids}
    busy_before = machine_busy_seconds()
    wall_before = time.perf_counter()
    turns, _, steady = asyncio.run(
        closed_loop(server.port, accounts, ramp=ramp, duration=duration, timeout=timeout, warm_up=False)
    )
    wall = time.perf_counter() - wall_before
    busy = machine_busy_seconds() - busy_before
    worker_cores = [round((cpu_seconds(pid) - cpu_before[pid]) / wall, 2) for pid in workers]
    cpu = {what: round(sum(cpu_seconds(pid) - cpu_before[pid] for pid in pids), 1) for what, pids in cpu_pids.items()}
    connections = sampler.stop()
    cpu["postgres backends"] = connections["backend_cpu_seconds"]
    # Everything else on the machine (other people's work): it shares the cores.
    cpu["rest of the machine"] = round(max(0.0, busy - sum(cpu.values())), 1)
    memory = [peak_memory_mb(pid) for pid in server.workers]
    return LoadRun(turns, steady, wall, cpu, worker_cores, connections, memory, server.log_problems())


def _figure_1_result(
    serving: str,
    accounts: list[Account],
    run: LoadRun,
    model_stats: dict[str, int],
    *,
    delay: float,
    duration: float,
) -> dict[str, Any]:
    """Figure 1's throughput and latencies, counted over the turns that ended in the window."""
    window_end = run.steady + duration
    in_window = [turn for turn in run.turns if not turn.failure and run.steady <= turn.ended < window_end]
    latencies = [turn.ended - turn.began for turn in in_window]
    ideal = len(accounts) / (2 * delay)
    throughput = len(in_window) / duration
    failures = Counter(turn.failure for turn in run.turns if turn.failure)
    cpu, wall = run.cpu, run.wall
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
        "postgres_connections_max": run.connections["max"],
        "postgres_samples": run.connections["samples"],
        "worker_peak_memory_mb": run.memory,
        "cpu_seconds": cpu,
        "cpu_share_of_a_core": {what: round(seconds / wall, 2) for what, seconds in cpu.items()},
        "worker_cpu_cores": run.worker_cores,
        # Per turn the service ran (two model calls each), answered in time or not.
        "worker_cpu_ms_per_turn": round(1000 * cpu["workers"] / max(1, model_stats["requests"] / 2), 1),
        "model_calls": model_stats["requests"],
        "model_max_open_connections": model_stats["max_open_connections"],
        "server_log": dict(run.problems),
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


def figure_3(serving: str, accounts: list[Account], *, duration: float = 30.0) -> dict[str, Any]:
    with scratch_database(f"bench_serving_3_{serving}") as database_url:
        server = Gunicorn(serving, database_url, backend="offline", model=None)
        try:
            result = asyncio.run(slow_clients(server.port, accounts[0], slow=200, silent=200, duration=duration))
        finally:
            server.stop()
    return {"serving": serving, **result}


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
