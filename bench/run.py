"""`make bench`: runs the benchmarks on SQLite and PostgreSQL and prints a table of figures,
then the serving benchmarks (bench/serving.py: old and new serving side by side) and theirs.

PostgreSQL is used at BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432),
in a scratch database `todo_bench` that is created afresh; it is skipped if unreachable.
"""

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
TARGETS = {"queries": 15, "median_ms": 10.0, "p95_ms": 25.0, "ratio": 0.9}


def run_json(script: str, database_url: str) -> dict:
    result = subprocess.run(  # noqa: S603
        [sys.executable, f"bench/{script}"],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench/{script} failed on {database_url}:\n{result.stderr[-3000:]}")
    figures: dict = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def scratch_postgres() -> str | None:
    import psycopg

    try:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3) as admin:
            admin.execute("DROP DATABASE IF EXISTS todo_bench WITH (FORCE)")
            admin.execute("CREATE DATABASE todo_bench")
    except psycopg.Error as error:
        print(f"PostgreSQL skipped: {error}".strip())
        return None
    return f"{POSTGRES}/todo_bench"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB, Python {platform.python_version()}"


def check(value: float, target: float, *, at_least: bool = False) -> str:
    met = value >= target if at_least else value <= target
    return "met" if met else "MISSED"


def main() -> None:
    print(f"Machine: {machine()}\n")
    with tempfile.TemporaryDirectory() as scratch:
        databases = {"SQLite": f"sqlite:///{scratch}/bench.sqlite3"}
        postgres = scratch_postgres()
        if postgres:
            databases["PostgreSQL"] = postgres
        results = {name: (run_json("turns.py", url), run_json("load.py", url)) for name, url in databases.items()}

    rows = []
    for name, (turns, load) in results.items():
        queries = turns["queries"]
        worst = max(queries.values())
        same = len(set(queries.values())) == 1
        rows.append(
            (
                f"1. SQL queries per turn ({name})",
                f"fresh {queries['fresh']}, after 100 turns {queries['after_100']}, after 500 {queries['after_500']}",
                f"<= {TARGETS['queries']}, constant",
                "met" if worst <= TARGETS["queries"] and same else "MISSED",
            )
        )
        for backend, timing in turns["server_time"].items():
            rows.append(
                (
                    f"2. Server time per turn, {backend} agent ({name})",
                    f"median {timing['median_ms']} ms, p95 {timing['p95_ms']} ms",
                    "median < 10 ms, p95 < 25 ms",
                    "met"
                    if timing["median_ms"] < TARGETS["median_ms"] and timing["p95_ms"] < TARGETS["p95_ms"]
                    else "MISSED",
                )
            )
        sizes = turns["prompt_size"]
        budget = turns["context_tokens"]
        rows.append(
            (
                f"3. Prompt sent at turn 1 / 50 / 200 ({name})",
                " / ".join(
                    f"{sizes[turn]['messages']} msgs, {sizes[turn]['tokens']:,} tokens (estimated)" for turn in sizes
                ),
                f"within CHAT_CONTEXT_TOKENS ({budget:,})",
                "met" if all(size["tokens"] <= budget for size in sizes.values()) else "MISSED",
            )
        )
        rows.append(
            (
                f"4. Gunicorn, 16 clients, 250 ms model ({name})",
                f"{load['turns_per_second']} turns/s = {load['ratio_to_ideal']} of "
                f"{load['ideal_turns_per_second']:.0f}; "
                f"p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms; {load['failures']} failed",
                ">= 0.9 of ideal",
                check(load["ratio_to_ideal"], TARGETS["ratio"], at_least=True) if not load["failures"] else "MISSED",
            )
        )
        rows.append(
            (
                f"5. Peak memory per gunicorn worker ({name})",
                ", ".join(f"{peak} MB" for peak in load["worker_peak_memory_mb"]),
                "-",
                "-",
            )
        )
    print("| figure | result | target | |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")

    print("\nThe prompt's token budget (bench/prompt_budget.py):\n", flush=True)
    subprocess.run([sys.executable, "bench/prompt_budget.py"], cwd=PROJECT, check=True)  # noqa: S603

    print("\nServing, old (gthread WSGI) and new side by side on PostgreSQL (bench/serving.py):\n", flush=True)
    subprocess.run([sys.executable, "bench/serving.py"], cwd=PROJECT, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
