"""What the serving benchmarks measure besides the clients' own timings: CPU time and peak
memory of processes (from /proc), how busy the whole machine is, PostgreSQL connections."""

import os
import threading
from pathlib import Path

from serving_databases import POSTGRES


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


def machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")


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
