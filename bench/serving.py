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
import json
import os
import sys
from pathlib import Path
from typing import Any

from serving_databases import TEMPLATE, admin_execute, make_users, prepare_template  # bench/ is on the path
from serving_figures import figure_1, figure_2, figure_3, figure_5
from serving_processes import new_serving_ready, raise_open_files_limit
from serving_report import rows_for

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for --make-users, which sets Django up


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
