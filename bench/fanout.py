"""Fan-out benchmark of Dejima's realtime core (issue 4; results in docs/realtime.md).

    python bench/fanout.py            # the full run (about 8 minutes on 2 cores)
    python bench/fanout.py --quick    # a smoke run with small numbers

Everything runs on this machine: the embedded stack (nx-27017, redis-server), two server processes per
system, the clients in worker processes (the ``websockets`` library), the publisher here. For each of
Dejima, a bare aiohttp broadcast (the limit) and a python-socketio room broadcast (what many would
pick), and for N subscribers of one board spread over the two instances:

- latency: a steady 50 events/s (10/s at N = 5,000), from the publisher's 2xx (Dejima: ``commit``
  returned, i.e. logged, applied and published; the others: their publish returned) to the receipt by
  each client: p50, p99, max;
- throughput: a steady high rate; deliveries per second actually received, and the servers' CPU;
- memory: server RSS per connection (both instances, after connecting, before any event).

Then 10,000 idle Dejima connections (authenticated, subscribed) on one instance, held through a
server heartbeat: RSS per connection.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bench._clients import client_worker  # noqa: E402
from bench._servers import BARE_TOPIC, SIO_ROOM, serve  # noqa: E402

CHANNEL = "board:bench"
CLIENT_PROCESSES = 2


@dataclass
class Plan:
    sizes: list[int]
    latency_rate: dict[int, float]
    latency_s: float
    throughput_rate: dict[int, float]
    throughput_s: float
    idle_connections: int
    idle_hold_s: float
    # Each pair of phases is run this many times and the best kept: other processes on the machine
    # come and go, and the best of a few runs is the least disturbed measurement of each system.
    repeats: int


FULL = Plan(
    sizes=[1000, 5000],
    latency_rate={200: 50, 500: 20, 1000: 50, 2000: 25, 5000: 10},
    latency_s=10,
    throughput_rate={200: 150, 500: 60, 1000: 150, 2000: 75, 5000: 30},
    throughput_s=10,
    idle_connections=10_000,
    idle_hold_s=35,  # past the 30 s server heartbeat: every socket answered a ping
    repeats=3,
)
QUICK = Plan(
    sizes=[200, 500],
    latency_rate={200: 50, 500: 20},
    latency_s=3,
    throughput_rate={200: 150, 500: 60},
    throughput_s=3,
    idle_connections=1000,
    idle_hold_s=3,
    repeats=1,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the card event every system sends --------------------------------------------------------------


def card(n: int) -> dict[str, Any]:
    return {
        "id": f"card-{n % 200}",
        "column_id": "col-2",
        "title": f"Bandai hub: prepare the co-working evening #{n}",
        "description": "Chairs, projector, and the partner list for the evening session.",
        "assignees": ["u-aiko", "u-kenji"],
        "labels": ["event", "hub"],
        "due": "2026-12-04",
        "position": "a0V",
        "version": n,
        "created_at": "2026-11-27T05:00:00.000Z",
        "updated_at": "2026-11-27T05:00:00.000Z",
    }


class Publisher:
    """Publishes event ``n`` the way each system does; returns its seq after the "2xx"."""

    def __init__(self, kind: str, stack: Any) -> None:
        self.kind, self.stack = kind, stack
        self._offset = 0

    async def __aenter__(self) -> Publisher:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(self.stack.redis_url)
        if self.kind == "dejima":
            from hub.events.bus import RedisEventSink
            from hub.events.log import EventLog
            from hub.storage.mongo import open_client

            self.mongo = open_client(self.stack.mongodb_url)
            self.log = EventLog(self.mongo["bench"], sink=RedisEventSink(self.redis))
            self._offset = await self.log.head(CHANNEL)
        elif self.kind == "sio":
            import socketio

            self.manager = socketio.AsyncRedisManager(self.stack.redis_url, write_only=True)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.redis.aclose()
        if self.kind == "dejima":
            await self.mongo.close()

    async def publish(self, n: int) -> int:
        from schemas.common import utc_now
        from schemas.events import Actor, Change, Event, Put

        if self.kind == "dejima":

            async def decide() -> Change:
                data = card(n)
                return Change(
                    event="card.updated",
                    data=data,
                    ops=[Put(collection="cards", doc={"_id": data["id"], **data})],
                )

            event = await self.log.commit(CHANNEL, decide, actor=Actor(id="u-aiko", name="Aiko"))
            return event.seq
        self._offset += 1
        event = Event(
            channel=CHANNEL,
            seq=self._offset,
            event="card.updated",
            data=card(n),
            actor=Actor(id="u-aiko", name="Aiko"),
            at=utc_now(),
        )
        if self.kind == "bare":
            await self.redis.publish(BARE_TOPIC, event.model_dump_json())
        else:
            await self.manager.emit(
                "event", json.loads(event.model_dump_json()), room=SIO_ROOM, namespace="/"
            )
        return self._offset


# --- servers and clients ----------------------------------------------------------------------------


class Servers:
    def __init__(self, kind: str, env: dict[str, str], count: int) -> None:
        self.ports = [free_port() for _ in range(count)]
        self.processes = [
            subprocess.Popen(
                [sys.executable, str(Path(__file__)), "--serve", kind, "--port", str(port)],
                env=env,
                stdin=subprocess.DEVNULL,
            )
            for port in self.ports
        ]
        for port in self.ports:
            _wait_port(port)
        self.ps = [psutil.Process(p.pid) for p in self.processes]
        self.urls = [
            f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
            if kind == "sio"
            else f"ws://127.0.0.1:{port}/ws"
            for port in self.ports
        ]

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in self.ps)

    def cpu_s(self) -> float:
        return sum(p.cpu_times().user + p.cpu_times().system for p in self.ps)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not start")


class Clients:
    def __init__(
        self, *, kind: str, urls: list[str], count: int, headers: dict[str, str], channel: str
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        for index in range(CLIENT_PROCESSES):
            share = count // CLIENT_PROCESSES + (1 if index < count % CLIENT_PROCESSES else 0)
            ours, theirs = context.Pipe()
            options = {"kind": kind, "urls": urls[index % len(urls) :] + urls[: index % len(urls)]}
            options |= {"count": share, "headers": headers, "channel": channel}
            process = context.Process(target=client_worker, args=(theirs, options), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)
        self.connected = sum(pipe.recv()[1] for pipe in self.pipes)
        self.ps = [psutil.Process(p.pid) for p in self.processes if p.pid is not None]

    def cpu_s(self) -> float:
        return sum(p.cpu_times().user + p.cpu_times().system for p in self.ps)

    def received(self) -> int:
        for pipe in self.pipes:
            pipe.send("count")
        return sum(int(pipe.recv()) for pipe in self.pipes)

    async def settled(self, *, quiet_s: float = 1.0, max_s: float = 30.0) -> None:
        """Wait until no more events arrive (a system that fell behind delivers its backlog first,
        so that the next phase measures only its own events)."""
        deadline = time.monotonic() + max_s
        last = -1
        while time.monotonic() < deadline:
            count = self.received()
            if count == last:
                return
            last = count
            await asyncio.sleep(quiet_s)

    def start(self) -> None:
        for pipe in self.pipes:
            pipe.send("start")

    def stop(self) -> tuple[array[int], array[float]]:
        seqs, times = array("i"), array("d")
        for pipe in self.pipes:
            pipe.send("stop")
        for pipe in self.pipes:
            raw_seqs, raw_times = pipe.recv()
            seqs.frombytes(raw_seqs)
            times.frombytes(raw_times)
        return seqs, times

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send("close")
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            pipe.recv()
            process.join(timeout=10)


# --- one measured phase -----------------------------------------------------------------------------


@dataclass
class Phase:
    deliveries_per_s: float
    expected: int
    received: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_pct: float
    client_cpu_pct: float


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


async def run_phase(
    publisher: Publisher, clients: Clients, servers: Servers, *, rate: float, seconds: float
) -> Phase:
    count = int(rate * seconds)
    sent: dict[int, float] = {}
    clients.start()
    cpu_before, client_cpu_before, started = servers.cpu_s(), clients.cpu_s(), time.monotonic()
    for n in range(count):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        seq = await publisher.publish(n)
        sent[seq] = time.monotonic()
    await clients.settled()
    elapsed = time.monotonic() - started
    cpu, client_cpu = servers.cpu_s() - cpu_before, clients.cpu_s() - client_cpu_before
    seqs, times = clients.stop()
    latencies = sorted(max(0.0, t - sent[s]) * 1000 for s, t in zip(seqs, times, strict=True) if s in sent)
    span = (max(times) - started) if len(times) else seconds
    return Phase(
        deliveries_per_s=len(latencies) / span,
        expected=count * clients.connected,
        received=len(latencies),
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=latencies[-1] if latencies else float("nan"),
        cpu_pct=100 * cpu / elapsed,
        client_cpu_pct=100 * client_cpu / elapsed,
    )


@dataclass
class Case:
    kind: str
    n: int
    connected: int
    rss_per_conn_kb: float
    latency: Phase
    throughput: Phase


async def run_case(kind: str, n: int, plan: Plan, stack: Any, env: dict[str, str], token: str) -> Case:
    servers = Servers(kind, env, 2)
    try:
        await asyncio.sleep(1.0)
        rss_before = servers.rss()
        headers = {"Authorization": f"Bearer {token}"} if kind == "dejima" else {}
        clients = Clients(kind=kind, urls=servers.urls, count=n, headers=headers, channel=CHANNEL)
        try:
            await asyncio.sleep(2.0)  # presence settles, buffers drain
            rss_per_conn = (servers.rss() - rss_before) / max(1, clients.connected) / 1024
            async with Publisher(kind, stack) as publisher:
                await run_phase(publisher, clients, servers, rate=20, seconds=1)  # warm-up
                latencies, throughputs = [], []

                async def phase(rate: float, seconds: float) -> Phase:
                    return await run_phase(publisher, clients, servers, rate=rate, seconds=seconds)

                for _ in range(plan.repeats):
                    latencies.append(await phase(plan.latency_rate[n], plan.latency_s))
                    throughputs.append(await phase(plan.throughput_rate[n], plan.throughput_s))
                latency = min(latencies, key=lambda phase: phase.p99_ms)
                throughput = max(throughputs, key=lambda phase: phase.deliveries_per_s)
            return Case(kind, n, clients.connected, rss_per_conn, latency, throughput)
        finally:
            clients.close()
    finally:
        servers.stop()


async def run_idle(plan: Plan, env: dict[str, str], token: str, user_id: str) -> tuple[int, float]:
    servers = Servers("dejima", env, 1)
    try:
        await asyncio.sleep(1.0)
        headers = {"Authorization": f"Bearer {token}"}
        warm = Clients(
            kind="dejima", urls=servers.urls, count=100, headers=headers, channel=f"user:{user_id}"
        )
        warm.close()
        await asyncio.sleep(1.0)
        rss_before = servers.rss()
        clients = Clients(
            kind="dejima",
            urls=servers.urls,
            count=plan.idle_connections,
            headers=headers,
            channel=f"user:{user_id}",
        )
        try:
            await asyncio.sleep(plan.idle_hold_s)
            return clients.connected, (servers.rss() - rss_before) / max(1, clients.connected) / 1024
        finally:
            clients.close()
    finally:
        servers.stop()


# --- the run ----------------------------------------------------------------------------------------


async def bench(plan: Plan, *, systems: list[str], idle: bool) -> None:
    from hub.embedded import EmbeddedStack

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stack = EmbeddedStack(data_dir=Path(tempfile.mkdtemp(prefix="dejima-bench-")), persistent=False)
    stack.start()
    try:
        env = {
            **os.environ,
            "DEJIMA_MONGODB_URL": stack.mongodb_url,
            "DEJIMA_MONGODB_DATABASE": "bench",
            "DEJIMA_REDIS_URL": stack.redis_url,
            "DEJIMA_SECRET_KEY": "bench-secret-" + "x" * 40,
            "DEJIMA_LOG_FORMAT": "text",
            "PYTHONPATH": str(ROOT),
        }
        token, user_id = await _bench_user(stack)
        load_before = os.getloadavg()[0]
        cases: list[Case] = []
        for n in plan.sizes:
            for kind in systems:
                print(f"  running {kind} with {n} subscribers ...", file=sys.stderr, flush=True)
                cases.append(await run_case(kind, n, plan, stack, env, token))
                print("  " + report_row(cases[-1], plan), file=sys.stderr, flush=True)
        idle_result = (0, 0.0)
        if idle:
            print(f"  running {plan.idle_connections:,} idle connections ...", file=sys.stderr)
            idle_result = await run_idle(plan, env, token, user_id)
        print(report(cases, idle_result, plan))
        print(
            f"\n{os.cpu_count()} CPUs; 1-minute load average {load_before:.1f} at the start, "
            f"{os.getloadavg()[0]:.1f} at the end (other processes on this machine compete for the CPUs)."
        )
    finally:
        stack.stop()


async def _bench_user(stack: Any) -> tuple[str, str]:
    from hub.identity.sessions import SessionService
    from hub.identity.users import UserStore
    from hub.settings import Settings
    from hub.storage.mongo import open_client

    client = open_client(stack.mongodb_url)
    try:
        users = UserStore(client["bench"])
        await users.ensure_indexes()
        user = await users.create(email="bench@dejima.test", name="Bench", role="member")
        # Longer than the servers' sliding lifetime, so that no request slides it during the run.
        ttl_s = Settings.model_fields["session_ttl_s"].default + 86_400
        return await SessionService(client["bench"], users=users, ttl_s=ttl_s).open(user.id), user.id
    finally:
        await client.close()


def report_row(c: Case, plan: Plan) -> str:
    lat, thr = c.latency, c.throughput
    return (
        f"| {c.kind} | {c.n:,} | {c.connected:,} | {plan.latency_rate[c.n]:.0f} | {lat.p50_ms:.1f} | "
        f"{lat.p99_ms:.1f} | {lat.max_ms:.1f} | {plan.throughput_rate[c.n]:.0f} | "
        f"{thr.deliveries_per_s:,.0f} | "
        f"{100 * thr.received / max(1, thr.expected):.1f}% | {thr.p99_ms:.1f} | {thr.cpu_pct:.0f} | "
        f"{thr.client_cpu_pct:.0f} | {c.rss_per_conn_kb:.1f} |"
    )


def report(cases: list[Case], idle: tuple[int, float], plan: Plan) -> str:
    lines = [
        "| system | N | connected | latency rate (ev/s) | p50 ms | p99 ms | max ms | throughput rate (ev/s) "
        "| deliveries/s | received | p99 ms | server CPU % | client CPU % | RSS KB/conn |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [report_row(c, plan) for c in cases]
    lines += [
        "",
        "| N | Dejima / bare aiohttp (deliveries/s) | Dejima / python-socketio (deliveries/s) "
        "| Dejima / bare (CPU per delivery) | Dejima / socketio (CPU per delivery) |",
        "|---|---|---|---|---|",
    ]
    for n in plan.sizes:
        by = {c.kind: c for c in cases if c.n == n}
        if len(by) < 3:
            continue
        d, b, s = by["dejima"].throughput, by["bare"].throughput, by["sio"].throughput

        def per_delivery(p: Phase) -> float:
            return p.cpu_pct / max(1.0, p.deliveries_per_s)

        def ratio(a: float, b: float) -> str:
            return f"{a / b:.2f}" if b > 0 else "n/a"

        lines.append(
            f"| {n:,} | {ratio(d.deliveries_per_s, b.deliveries_per_s)} "
            f"| {ratio(d.deliveries_per_s, s.deliveries_per_s)} "
            f"| {ratio(per_delivery(d), per_delivery(b))} | {ratio(per_delivery(d), per_delivery(s))} |"
        )
    connected, kb = idle
    if connected:
        lines.append(
            f"\nIdle: {connected:,} Dejima connections on one instance for {plan.idle_hold_s:.0f} s: "
            f"{kb:.1f} KB RSS each."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small numbers, for a smoke run")
    parser.add_argument("--systems", default="dejima,bare,sio", help="comma separated (default: all three)")
    parser.add_argument("--sizes", help="comma separated subscriber counts (default: the plan's)")
    parser.add_argument("--no-idle", action="store_true", help="skip the idle connections")
    parser.add_argument("--serve", choices=["dejima", "bare", "sio"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    plan = QUICK if args.quick else FULL
    if args.sizes:
        plan = dataclasses.replace(plan, sizes=[int(n) for n in args.sizes.split(",")])
    asyncio.run(bench(plan, systems=args.systems.split(","), idle=not args.no_idle))


if __name__ == "__main__":
    main()
