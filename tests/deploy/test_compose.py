"""Checks of the production deployment files: docker-compose.yml, deploy/, Dockerfile, .env.example.

The compose file is validated and normalised by `docker-compose config` (Debian's `docker-compose`
package, or the `docker compose` plugin), run in a temporary copy of the files it needs, so the
repository is never written to. No container is started.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

# Every service the architecture relies on; each must exist in docker-compose.yml.
REQUIRED_SERVICES = ("mongo", "redis", "hub", "worker", "proxy")

# Settings named in the API contract's "Running it" section; .env.example must list each.
CONTRACT_SETTINGS = (
    "DEJIMA_MONGODB_URL",
    "DEJIMA_REDIS_URL",
    "DEJIMA_SECRET_KEY",
    "DEJIMA_ALLOWED_ORIGINS",
    "DEJIMA_ADMIN_EMAIL",
    "DEJIMA_ADMIN_PASSWORD",
    "DEJIMA_SMTP_HOST",
    "DEJIMA_SMTP_PORT",
    "DEJIMA_SMTP_FROM",
    "DEJIMA_LINE_API_BASE",
    "DEJIMA_LINE_CHANNEL_TOKEN",
    "DEJIMA_LINE_CHANNEL_SECRET",
    "DEJIMA_VISITOR_RETENTION_DAYS",
    "DEJIMA_WEBHOOK_ALLOW_PRIVATE",
)

MONGODB_URL = "mongodb://mongo:27017/dejima?replicaSet=rs0"
REDIS_URL = "redis://redis:6379/0"


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


COMPOSE = _compose_command()
NO_COMPOSE = (
    "neither the docker-compose binary nor the docker compose plugin is installed "
    "(Debian: apt-get install docker-compose)"
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the files docker-compose.yml needs, with a .env (the repo's, else .env.example)."""
    work = tmp_path_factory.mktemp("compose")
    shutil.copy2(ROOT / "docker-compose.yml", work / "docker-compose.yml")
    shutil.copytree(ROOT / "deploy", work / "deploy")
    env = ROOT / ".env"
    shutil.copy2(env if env.is_file() else ROOT / ".env.example", work / ".env")
    return work


@pytest.fixture(scope="module")
def config(workdir: Path) -> dict[str, Any]:
    if COMPOSE is None:
        pytest.skip(NO_COMPOSE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_", "DEJIMA_"))}
    proc = subprocess.run(
        [*COMPOSE, "-f", "docker-compose.yml", "config"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"docker-compose config failed:\n{proc.stderr}"
    parsed = yaml.safe_load(proc.stdout)
    assert isinstance(parsed, dict) and isinstance(parsed.get("services"), dict), proc.stdout
    return parsed


@pytest.fixture(scope="module")
def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = config["services"]
    return found


def _argv(command: Any) -> list[str]:
    if command is None:
        return []
    if isinstance(command, str):
        return command.split()
    return [str(part) for part in command]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _hub_instances(services: dict[str, dict[str, Any]]) -> int:
    total = 0
    for name, service in services.items():
        if name == "hub" or re.fullmatch(r"hub\d+", name):
            replicas = (service.get("deploy") or {}).get("replicas", service.get("scale", 1))
            total += int(replicas)
    return total


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path -> host source, for both the short and the long volume syntax."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = str(volume.get("source", "")), str(volume["target"])
        mounts[target] = source
    return mounts


def _published_ports(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host port, container port) pairs for both the short and the long port syntax."""
    pairs = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            pairs.append((str(port.get("published", "")), str(port["target"])))
        else:
            host, _, container = str(port).rpartition(":")
            pairs.append((host.rpartition(":")[2], container.split("/")[0]))
    return pairs


def _nginx_blocks(text: str, header: str) -> Iterator[str]:
    """Bodies of every `header { ... }` block of an nginx config, braces balanced, comments dropped."""
    text = re.sub(r"#[^\n]*", "", text)
    for match in re.finditer(re.escape(header) + r"\s*\{", text):
        depth, start = 1, match.end()
        for index in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                yield text[start:index]
                break


def _directives(block: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"(?m)^\s*{re.escape(name)}\s+([^;]*);", block)]


def _nginx_seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)(s|m|h)?", value)
    assert match, f"unsupported nginx time {value!r}"
    return int(match.group(1)) * {None: 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def _headers(block: str) -> dict[str, str]:
    headers = {}
    for value in _directives(block, "proxy_set_header"):
        key, _, rest = value.partition(" ")
        headers[key.lower()] = rest.strip().strip("\"'")
    return headers


@pytest.fixture(scope="module")
def nginx_conf(services: dict[str, dict[str, Any]], workdir: Path) -> str:
    mounts = _mounts(services["proxy"])
    assert "/etc/nginx/nginx.conf" in mounts, f"proxy must mount deploy/nginx.conf: {mounts}"
    source = Path(mounts["/etc/nginx/nginx.conf"])
    if not source.is_absolute():
        source = workdir / source
    assert source.resolve() == (workdir / "deploy" / "nginx.conf").resolve()
    return source.read_text(encoding="utf-8")


def test_required_services_exist(services: dict[str, dict[str, Any]]) -> None:
    hub_like = {name for name in services if re.fullmatch(r"hub\d*", name)}
    for name in REQUIRED_SERVICES:
        if name == "hub":
            assert hub_like, f"no hub service in {sorted(services)}"
        else:
            assert name in services, f"service {name!r} missing from {sorted(services)}"
    assert "mongo-init" in services


def test_mongo_runs_a_replica_set(services: dict[str, dict[str, Any]]) -> None:
    mongo = services["mongo"]
    argv = _argv(mongo.get("command"))
    assert str(mongo["image"]).startswith("mongo:7")
    assert "--replSet" in argv and argv[argv.index("--replSet") + 1] == "rs0", argv
    assert "--bind_ip_all" in argv, argv
    assert "/data/db" in _mounts(mongo), "mongo data must live on a volume"
    assert mongo.get("healthcheck", {}).get("test"), "mongo needs a healthcheck"


def test_mongo_init_is_a_one_shot_idempotent_initiate(
    services: dict[str, dict[str, Any]], workdir: Path
) -> None:
    init = services["mongo-init"]
    assert _depends_on(init).get("mongo") == "service_healthy"
    assert str(init.get("restart", "no")) == "no"
    argv = _argv(init.get("command") or init.get("entrypoint"))
    assert argv and argv[0] == "mongosh", argv
    scripts = [arg for arg in argv if arg.endswith(".js")]
    assert scripts, f"mongo-init runs no script: {argv}"
    sources = {target: source for target, source in _mounts(init).items()}
    script = Path(sources[scripts[0]])
    assert script.resolve().is_relative_to((workdir / "deploy").resolve()), script
    text = script.read_text(encoding="utf-8")
    assert "rs.initiate" in text and "NotYetInitialized" in text, "initiate must be guarded"
    assert '_id: "rs0"' in text and "mongo:27017" in text
    for app in ("hub", "worker"):
        assert _depends_on(services[app]).get("mongo-init") == "service_completed_successfully"


def test_redis_persists_with_aof(services: dict[str, dict[str, Any]]) -> None:
    redis = services["redis"]
    argv = _argv(redis.get("command"))
    assert str(redis["image"]).startswith("redis:7")
    assert "--appendonly" in argv and argv[argv.index("--appendonly") + 1] == "yes", argv
    assert "/data" in _mounts(redis), "redis data must live on a volume"
    assert redis.get("healthcheck", {}).get("test"), "redis needs a healthcheck"


def test_at_least_two_hubs_and_a_worker(services: dict[str, dict[str, Any]]) -> None:
    assert _hub_instances(services) >= 2
    for name, service in services.items():
        if re.fullmatch(r"hub\d*", name):
            argv = _argv(service.get("command"))
            assert argv[:2] == ["dejima", "serve"], argv
            assert "0.0.0.0" in argv and "8080" in argv, argv
    assert _argv(services["worker"].get("command")) == ["dejima", "worker"]


def test_app_services_get_settings_and_internal_urls(
    services: dict[str, dict[str, Any]], workdir: Path
) -> None:
    env_keys = set(re.findall(r"(?m)^(DEJIMA_[A-Z0-9_]+)=", (workdir / ".env").read_text(encoding="utf-8")))
    for name, service in services.items():
        if not (re.fullmatch(r"hub\d*", name) or name == "worker"):
            continue
        env = _environment(service)
        assert env.get("DEJIMA_MONGODB_URL") == MONGODB_URL, name
        assert env.get("DEJIMA_REDIS_URL") == REDIS_URL, name
        missing = env_keys - env.keys()
        assert not missing, f"{name} does not read .env (env_file): {sorted(missing)}"


def test_only_the_proxy_is_published(services: dict[str, dict[str, Any]]) -> None:
    proxy = services["proxy"]
    assert str(proxy["image"]).startswith("nginx:1.27")
    assert ("8080", "80") in _published_ports(proxy), proxy.get("ports")
    for name, service in services.items():
        if name != "proxy":
            assert not service.get("ports"), f"{name} must not publish ports"


def test_nginx_proxies_websockets_and_balances_hubs(
    services: dict[str, dict[str, Any]], nginx_conf: str
) -> None:
    ws_blocks = list(_nginx_blocks(nginx_conf, "location /ws"))
    assert len(ws_blocks) == 1, "nginx.conf needs one `location /ws` block"
    ws = ws_blocks[0]
    assert _directives(ws, "proxy_http_version") == ["1.1"]
    headers = _headers(ws)
    assert headers.get("upgrade") == "$http_upgrade"
    connection = headers.get("connection", "")
    if connection.startswith("$"):
        maps = [body for body in _nginx_blocks(nginx_conf, f"map $http_upgrade {connection}")]
        assert maps and re.search(r"(?m)^\s*default\s+upgrade\s*;", maps[0]), connection
    else:
        assert connection.lower() == "upgrade", connection
    (read_timeout,) = _directives(ws, "proxy_read_timeout")
    seconds = _nginx_seconds(read_timeout)
    assert seconds >= 600, f"WebSocket read timeout too short: {read_timeout}"

    roots = list(_nginx_blocks(nginx_conf, "location /"))
    assert roots, "nginx.conf needs a `location /` block"
    for block in (ws, roots[0]):
        headers = _headers(block)
        assert headers.get("x-forwarded-for") == "$proxy_add_x_forwarded_for"
        assert headers.get("x-forwarded-proto") == "$scheme"
        assert headers.get("host") in {"$host", "$http_host"}
        (target,) = _directives(block, "proxy_pass")
        upstream_name = target.removeprefix("http://")
        (upstream,) = _nginx_blocks(nginx_conf, f"upstream {upstream_name}")
        servers = _directives(upstream, "server")
        hub_names = {name for name in services if re.fullmatch(r"hub\d*", name)}
        assert {s.split()[0].split(":")[0] for s in servers} == hub_names, servers

    if any("resolve" in s.split()[1:] for s in _directives(nginx_conf, "server")):
        # `server ... resolve` is open-source nginx only from 1.27.3 on.
        tag = str(services["proxy"]["image"]).partition(":")[2]
        version = tuple(int(part) for part in tag.split("-")[0].split("."))
        assert len(version) == 3 and version >= (1, 27, 3), f"pin nginx >= 1.27.3, not {tag}"


def test_env_example_lists_every_contract_setting() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    lines = text.splitlines()
    for name in CONTRACT_SETTINGS:
        found = [i for i, line in enumerate(lines) if re.match(rf"#?\s*{name}=", line)]
        assert found, f"{name} missing from .env.example"
        above = lines[found[0] - 1].strip() if found[0] else ""
        assert above.startswith("#"), f"{name} has no comment above it"
    secret = re.search(r"(?m)^DEJIMA_SECRET_KEY=(.*)$", text)
    assert secret and "change-me" in secret.group(1), "the secret placeholder must be obviously fake"
    assert not re.search(r"(?m)^DEJIMA_[A-Z_]+=\s*$", text), "empty values are not unset; comment them out"


def test_dockerfile_runs_the_hub_as_non_root() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    froms = re.findall(r"(?m)^FROM\s+(\S+)", text)
    assert froms and froms[-1] == "python:3.11-slim", froms
    users = re.findall(r"(?m)^USER\s+(\S+)", text)
    assert users and users[-1] not in {"root", "0"}, users
    assert re.search(r"(?m)^EXPOSE\s+8080\b", text)
    assert re.search(r"(?m)^HEALTHCHECK\b.*\\?", text) and "/healthz" in text and "urllib" in text
    assert re.search(r'(?m)^CMD \["dejima", "serve", "--host", "0.0.0.0", "--port", "8080"\]$', text)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and ".git" in ignored, "secrets and history stay out of the image"
