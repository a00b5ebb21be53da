"""The serving benchmarks' table: a row per figure and serving, with its target and verdict."""

from typing import Any

from serving_load import PROBE_TIMEOUT


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def megabytes(values: list[float]) -> str:
    return ", ".join(f"{value} MB" for value in values)


Row = tuple[str, str, str, str]  # what, result, target, verdict


def rows_for(figure: str, result: dict[str, Any]) -> list[Row]:
    """The table's rows for one figure's result (figure 5: a row per agent)."""
    if figure == "5":
        return [
            _row_5(backend, result[backend], serving=result.get("serving", "")) for backend in ("offline", "openai")
        ]
    row = {"1": _row_1, "2": _row_2, "3": _row_3}[figure]
    return [row(result, serving=result.get("serving", ""))]


def _row_1(r: dict[str, Any], *, serving: str) -> Row:
    return (
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


def _row_2(r: dict[str, Any], *, serving: str) -> Row:
    return (
        f"2. 16 clients, 250 ms model ({serving})",
        f"{r['turns_per_second']} turns/s = {r['ratio_to_ideal']} of {r['ideal_turns_per_second']:g}; "
        f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms; {r['failures']} failed; "
        f"worker peak {megabytes(r['worker_peak_memory_mb'])}; worker CPU "
        f"{' + '.join(str(cores) for cores in r['worker_cpu_cores'])} cores, machine busy "
        f"{r['machine_busy_cores']} cores",
        ">= 0.91 of ideal, 0 failed",
        verdict(r["ratio_to_ideal"] >= 0.91 and r["failures"] == 0),
    )


def _row_3(r: dict[str, Any], *, serving: str) -> Row:
    def shown(value: float | None) -> str:
        return f"{value} ms" if value is not None else f"> {PROBE_TIMEOUT:g} s (no answer)"

    return (
        f"3. Probe under 200 slow-header + 200 silent connections ({serving})",
        f"p50 {shown(r['p50_ms'])}, p95 {shown(r['p95_ms'])}, max {shown(r['max_ms'])} over {r['probes']} "
        f"probes (idle p50 {r['baseline_p50_ms']} ms); failed {r['probe_failures'] or 0}; "
        f"attack connections ended {r['connections_ended'] or 'none'}",
        "p95 < 100 ms",
        verdict(r["p95_ms"] is not None and r["p95_ms"] < 100),
    )


def _row_5(backend: str, r: dict[str, Any], *, serving: str) -> Row:
    return (
        f"5. First streamed event, {backend} agent ({serving})",
        f"first event p50 {r['first_event_p50_ms']} ms, p95 {r['first_event_p95_ms']} ms; first text p95 "
        f"{r['first_text_p95_ms']} ms; whole turn p95 {r['whole_turn_p95_ms']} ms; "
        f"{r['turns']} turns, failed {r['failures'] or 0}",
        "p95 < 50 ms",
        verdict(r["first_event_p95_ms"] < 50 and not r["failures"]),
    )
