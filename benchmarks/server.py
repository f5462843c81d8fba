"""Benchmark of the HTTP service: requests per second and latency on loopback, through `restorative serve`.

Run: ``python benchmarks/server.py`` (8 clients, 100 cases each; about 15 s on 2 cores) or
``--quick`` (4 clients, 10 cases each; about 5 s). ``--db`` takes a ``postgresql://``
address instead of the default SQLite file in a temporary folder.

``restorative serve`` runs in a process of its own (uvicorn, one worker) on a free port of
127.0.0.1; the clients are threads of this process, each with a keep-alive `httpx.Client`.
Each client opens its cases one after another and takes each through the embedding guide's
first steps: the referral, four commands (accept, assign a mediator, inform two parties)
and five reads (the case, its timeline, what is allowed, as staff and as a party). Client
and server share the machine's two cores, so the figures are those of the pair.

The last line is one JSON object: ``requests_per_s`` over the whole run; ``p50_ms`` and
``p99_ms`` of every request; the same per kind (``write_*`` for the referral and the
commands, each stored durably, ``read_*`` for the reads); and the counts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server.helpers import SETUP, referral  # noqa: E402 - the tests' case and people, one place
from tests.server.serving import served, users_file  # noqa: E402

PEOPLE = {
    "staff": ("staff", "staff-1"),
    "mediator": ("mediator", "mediator-1"),
    "nora": ("party", "nora"),
    "aksel": ("party", "aksel"),
}


def _auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{name}"}


def run(base: str, clients: int, cases: int, prefix: str = "bench") -> dict[str, Any]:
    """Every client takes `cases` cases through the steps; the latencies by kind, in ms."""
    writes: list[float] = []
    reads: list[float] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        mine_w: list[float] = []
        mine_r: list[float] = []
        with httpx.Client(base_url=base, timeout=30) as http:

            def timed(into: list[float], method: str, path: str, who: str, body: Any = None) -> None:
                began = time.perf_counter()
                response = http.request(method, path, json=body, headers=_auth(who))
                into.append((time.perf_counter() - began) * 1000)
                if response.status_code >= 300:
                    raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")

            for n in range(cases):
                case_id = f"{prefix}-{number}-{n}"
                timed(mine_w, "POST", "/api/cases", "staff", referral(case_id))
                for who, command in SETUP:
                    timed(mine_w, "POST", f"/api/cases/{case_id}/commands", who, command)
                for who, path in [
                    ("staff", ""),
                    ("staff", "/timeline"),
                    ("nora", ""),
                    ("nora", "/allowed"),
                    ("aksel", "/timeline"),
                ]:
                    timed(mine_r, "GET", f"/api/cases/{case_id}{path}", who)
        with lock:
            writes.extend(mine_w)
            reads.extend(mine_r)

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    seconds = time.perf_counter() - began
    every = writes + reads

    def quantiles(values: list[float]) -> tuple[float, float]:
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        return round(statistics.median(values), 2), round(cuts[98], 2)

    p50, p99 = quantiles(every)
    w50, w99 = quantiles(writes)
    r50, r99 = quantiles(reads)
    return {
        "requests": len(every),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(every) / seconds),
        "p50_ms": p50,
        "p99_ms": p99,
        "write_per_s": round(len(writes) / seconds),
        "write_p50_ms": w50,
        "write_p99_ms": w99,
        "read_p50_ms": r50,
        "read_p99_ms": r99,
        "clients": clients,
        "cases": clients * cases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="4 clients with 10 cases each instead of 8 with 100")
    parser.add_argument("--db", help="a postgresql:// address to serve instead of a temporary SQLite file")
    args = parser.parse_args()
    clients, cases = (4, 10) if args.quick else (8, 100)
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or str(Path(folder) / "bench.db")
        users = users_file(Path(folder), PEOPLE)
        with served(db, users) as base:
            run(base, 2, 2, "warm-up")  # warm up: imports, first connections
            figures = run(base, clients, cases)
        figures["backend"] = "postgresql" if args.db else "sqlite"
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
