"""A rush on an event: N public registrations from C concurrent clients over two hub instances for S
seats, next to the same run's raw check-in throughput (the baseline: visitors checked in by staff
into a hub with room for everyone, the same clients, the same instances).

    .venv/bin/python bench/events_rush.py [--registrations 2000] [--clients 200] [--seats 300]

Prints, for both: requests per second, p50 / p99 / max latency; then the ratio of throughputs, and
checks that exactly S seats were registered and the rest waitlisted in order of arrival. Starts its
own on-disk nx-27017 and redis-server (hub/embedded.py) and two ``dejima serve`` processes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.boards import _sign_in, _start_instance, _wait_ready  # noqa: E402
from hub.embedded import EmbeddedStack, free_port  # noqa: E402


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, token: str | None, body: Any = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, json=body, headers=headers) as response:
        return response.status, await response.json()


def _at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


async def _burst(
    session: aiohttp.ClientSession, count: int, clients: int, request: Any
) -> tuple[float, list[float], list[Any]]:
    """``count`` requests by ``clients`` concurrent clients; → (seconds, latencies in ms, answers)."""
    numbers = iter(range(count))
    latencies: list[float] = []
    answers: list[Any] = []

    async def client() -> None:
        for n in numbers:
            started = time.perf_counter()
            status, body = await request(n)
            latencies.append((time.perf_counter() - started) * 1000)
            if status not in (200, 201):
                raise RuntimeError(f"request {n}: {status} {body}")
            answers.append(body)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, latencies, answers


def _line(name: str, count: int, seconds: float, latencies: list[float]) -> float:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = count / seconds
    print(
        f"{name:<28} {count:5d} in {seconds:6.2f} s = {rate:7.1f}/s   "
        f"p50 {statistics.median(ordered):6.1f} ms   p99 {p99:6.1f} ms   max {ordered[-1]:6.1f} ms"
    )
    return rate


async def bench(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="dejima-bench-"))
    stack = EmbeddedStack(data_dir=data_dir, persistent=True)
    stack.start()
    ports = [free_port(), free_port()]
    # Every client of the bench comes from 127.0.0.1: the per-address limit would stop it.
    processes = [
        _start_instance(stack, port, DEJIMA_EVENT_REGISTRATIONS_PER_ADDRESS="1000000") for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            for url in urls:
                await _wait_ready(session, url)
            token = await _sign_in(session, urls[0])
            # The baseline's hub takes everyone: raw check-ins, never refused.
            status, _ = await _call(
                session, "PATCH", urls[0] + "/api/hubs/shibuya", token, {"capacity": 10_000}
            )
            assert status == 200
            status, event = await _call(
                session,
                "POST",
                urls[0] + "/api/events",
                token,
                {
                    "title": "rush",
                    "hub_id": "bandai",
                    "starts_at": _at(24),
                    "ends_at": _at(26),
                    "capacity": args.seats,
                },
            )
            assert status == 201, event

            async def check_in(n: int) -> tuple[int, Any]:
                body = {"name": f"visitor {n}", "purpose": "visit", "consent": True}
                return await _call(session, "POST", f"{urls[n % 2]}/api/hubs/shibuya/checkins", token, body)

            async def register(n: int) -> tuple[int, Any]:
                body = {"name": f"guest {n}", "consent": True}
                path = f"{urls[n % 2]}/api/public/events/{event['id']}/registrations"
                return await _call(session, "POST", path, None, body)

            count, clients = args.registrations, args.clients
            print(
                f"{count} requests from {clients} concurrent clients over two instances, {args.seats} seats"
            )
            base_s, base_ms, _ = await _burst(session, count, clients, check_in)
            rush_s, rush_ms, answers = await _burst(session, count, clients, register)
            base_rate = _line("check-ins (baseline)", count, base_s, base_ms)
            rush_rate = _line("registrations (rush)", count, rush_s, rush_ms)
            p99 = sorted(rush_ms)[min(len(rush_ms) - 1, int(len(rush_ms) * 0.99))]
            print(f"registration throughput / check-in throughput: {rush_rate / base_rate:.2f} (goal ≥ 0.50)")
            print(f"registration p99: {p99:.1f} ms (goal ≤ 500 ms)")

            status, rows = await _call(
                session, "GET", f"{urls[1]}/api/events/{event['id']}/registrations", token
            )
            seats = sum(r["party_size"] for r in rows if r["status"] == "registered")
            statuses = [r["status"] for r in rows]  # in order of arrival
            in_order = statuses == ["registered"] * args.seats + ["waitlisted"] * (count - args.seats)
            answered = sum(a["status"] == "registered" for a in answers)
            waiting = statuses.count("waitlisted")
            print(
                f"seats registered: {seats} of {args.seats} (answers said {answered}); waitlisted: {waiting}"
            )
            print(f"waiting list in order of arrival: {in_order}")
            if seats != args.seats or not in_order:
                raise SystemExit("seat accounting is wrong")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seats", type=int, default=300)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
