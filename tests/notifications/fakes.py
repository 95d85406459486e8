"""Real servers standing in for the outside world: an SMTP server (aiosmtpd), the LINE Messaging
API, and a partner's webhook receiver. Each checks what the real one checks."""

from __future__ import annotations

import asyncio
import base64
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiohttp import web

LINE_TOKEN = "line-channel-token-for-tests"
LINE_SECRET = "line-channel-secret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """The aiosmtpd handler: keeps every message it accepts, parsed with the modern policy."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()  # addresses answered "550 no such user"
        self._lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [
                m for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True) if address in rcpts
            ]

    def count(self) -> int:
        with self._lock:
            return len(self.messages)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class LineCall:
    path: str
    to: list[str]
    text: str
    retry_key: str
    status: int
    messages: list[Any] = field(default_factory=list)
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeLine:
    """The LINE Messaging API as far as Dejima uses it: push and multicast, retry keys, 429."""

    token: str = LINE_TOKEN
    calls: list[LineCall] = field(default_factory=list)
    # Statuses to answer (in order) before accepting anything, e.g. [429].
    script: list[int] = field(default_factory=list)
    retry_after_s: int = 1
    accepted: dict[str, LineCall] = field(default_factory=dict)  # retry key → the accepted call
    problems: list[str] = field(default_factory=list)
    # Seconds to wait after accepting a request before answering (a worker killed meanwhile).
    hold_s: float = 0.0
    # Reply API calls: {"replyToken", "messages"}; a reply token is taken once.
    replies: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v2/bot/message/push", self._handle)
        app.router.add_post("/v2/bot/message/multicast", self._handle)
        app.router.add_post("/v2/bot/message/reply", self._reply)
        return app

    async def _reply(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self.problems.append("bad bearer token")
            return web.json_response({"message": "Authentication failed"}, status=401)
        body = await request.json()
        token = body.get("replyToken")
        if not isinstance(token, str) or set(body) - {"replyToken", "messages", "notificationDisabled"}:
            self.problems.append("bad reply body")
            return web.json_response({"message": "bad body"}, status=400)
        shape = self._messages_problem(body.get("messages"))
        if shape:
            self.problems.append(shape)
            return web.json_response({"message": shape}, status=400)
        if any(r["replyToken"] == token for r in self.replies):
            return web.json_response({"message": "Invalid reply token"}, status=400)
        self.replies.append(body)
        return web.json_response({})

    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self.problems.append("bad bearer token")
            return web.json_response({"message": "Authentication failed"}, status=401)
        key = request.headers.get("X-Line-Retry-Key", "")
        try:
            uuid.UUID(key)
        except ValueError:
            self.problems.append(f"retry key is not a UUID: {key!r}")
            return web.json_response({"message": "The retry key is invalid"}, status=400)
        body = await request.json()
        multicast = request.path.endswith("/multicast")
        shape = self._shape_problem(body, multicast=multicast)
        if shape:
            self.problems.append(shape)
            return web.json_response({"message": shape}, status=400)
        to = list(body["to"]) if multicast else [body["to"]]
        text = body["messages"][0]["text"]
        sent = body["messages"]
        if key in self.accepted:
            self.calls.append(LineCall(request.path, to, text, key, 409, sent))
            return web.json_response(
                {"message": "The retry key is already accepted"},
                status=409,
                headers={"x-line-accepted-request-id": "accepted-" + key},
            )
        if self.script:
            status = self.script.pop(0)
            self.calls.append(LineCall(request.path, to, text, key, status, sent))
            headers = {"Retry-After": str(self.retry_after_s)} if status == 429 else {}
            return web.json_response({"message": "try later"}, status=status, headers=headers)
        call = LineCall(request.path, to, text, key, 200, sent)
        self.calls.append(call)
        self.accepted[key] = call
        if self.hold_s:
            await asyncio.sleep(self.hold_s)
        return web.json_response({}, headers={"x-line-request-id": str(uuid.uuid4())})

    @staticmethod
    def _shape_problem(body: Any, *, multicast: bool) -> str:
        if not isinstance(body, dict) or set(body) - {"to", "messages", "notificationDisabled"}:
            return "unexpected body fields"
        to = body.get("to")
        if multicast:
            if not isinstance(to, list) or not 1 <= len(to) <= 500 or not all(isinstance(t, str) for t in to):
                return "multicast 'to' must be 1..500 user ids"
        elif not isinstance(to, str):
            return "push 'to' must be one user id"
        return FakeLine._messages_problem(body.get("messages"))

    @staticmethod
    def _messages_problem(messages: Any) -> str:
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            return "1..5 messages"
        if not isinstance(messages[0], dict) or messages[0].get("type") != "text":
            return "the first message is the text"
        for message in messages:
            if message.get("type") == "template":
                problem = FakeLine._template_problem(message)
                if problem:
                    return problem
                continue
            if message.get("type") != "text" or not isinstance(message.get("text"), str):
                return "text or template messages only"
            if utf16_units(message["text"]) > 5000:
                return "text longer than 5000 UTF-16 units"
            items = (message.get("quickReply") or {}).get("items", [])
            if len(items) > 13 or any(len(i["action"]["label"]) > 20 for i in items):
                return "at most 13 quick replies, labels of at most 20 characters"
        return ""

    @staticmethod
    def _template_problem(message: dict[str, Any]) -> str:
        template = message.get("template") or {}
        if not message.get("altText") or len(message["altText"]) > 400:
            return "a template needs altText (at most 400 characters)"
        if template.get("type") != "buttons" or len(template.get("text", "")) > 160:
            return "buttons template text of at most 160 characters"
        for action in template.get("actions", []):
            if action.get("type") == "postback" and len(action.get("data", "")) > 300:
                return "postback data of at most 300 characters"
        return ""

    def received_by(self) -> Counter[str]:
        """How many accepted messages each LINE user id got."""
        return Counter(user for call in self.accepted.values() for user in call.to)


@dataclass
class WebhookReceiver:
    """A partner's endpoint that verifies Standard Webhooks signatures before answering."""

    secrets: list[str] = field(default_factory=list)
    script: list[int] = field(default_factory=list)  # statuses to answer first, e.g. [500, 500]
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        return app

    def verify(self, headers: Any, body: bytes) -> bool:
        msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
        if not msg_id or not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return False
        signed = f"{msg_id}.{stamp}.".encode() + body
        given = headers.get("webhook-signature", "").split(" ")
        for secret in self.secrets:
            key = base64.b64decode(secret.removeprefix("whsec_"))
            expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            if any(hmac.compare_digest(expected, candidate) for candidate in given):
                return True
        return False

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ok = self.verify(request.headers, body)
        record = {
            "headers": dict(request.headers),
            "body": body,
            "id": request.headers.get("webhook-id"),
            "signature": request.headers.get("webhook-signature", ""),
            "payload": json.loads(body),
            "verified": ok,
        }
        self.attempts.append(record)
        if not ok:
            self.bad_signatures += 1
            return web.Response(status=401)
        if self.script:
            return web.Response(status=self.script.pop(0))
        self.delivered.append(record)
        return web.Response(status=204)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)
