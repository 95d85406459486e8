"""The LINE Messaging API: push to one user, multicast to up to 500 who get the same text.

Every request carries an ``X-Line-Retry-Key`` (a UUID stored with the delivery, so it is the same on
every retry): LINE accepts a key once and answers a repeat with 409 and the accepted request's id,
which we count as sent. 429 and 5xx are retried later, no sooner than ``Retry-After`` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import aiohttp

from hub.limits import LINE_REPLY_TIMEOUT_S
from hub.notifications.retry import retry_after_s
from hub.settings import Settings

# LINE: "You can specify up to 500 user IDs" for a multicast.
MULTICAST_MAX = 500
# A LINE API call that takes longer is abandoned and retried with the same retry key.
LINE_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class LineResult:
    outcome: Literal["sent", "retry", "failed"]
    error: str = ""
    status: int | None = None
    retry_after_s: float | None = None


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


async def send(
    *,
    settings: Settings,
    to: list[str],
    text: str,
    retry_key: str,
    messages: list[dict[str, Any]] | None = None,
) -> LineResult:
    """Push (one) or multicast (2..500) ``text``, or ``messages`` when given (a text and a button)."""
    if settings.line_channel_token is None:
        return LineResult("failed", "no LINE channel token is configured (DEJIMA_LINE_CHANNEL_TOKEN)")
    if not 1 <= len(to) <= MULTICAST_MAX:
        raise ValueError("between 1 and 500 recipients per request")
    base = settings.line_api_base.rstrip("/")
    sent = messages or [text_message(text)]
    if len(to) == 1:
        url, body = f"{base}/v2/bot/message/push", {"to": to[0], "messages": sent}
    else:
        url, body = f"{base}/v2/bot/message/multicast", {"to": to, "messages": sent}
    headers = {
        "Authorization": f"Bearer {settings.line_channel_token.get_secret_value()}",
        "X-Line-Retry-Key": retry_key,
    }
    return await _post(url, body, headers, timeout_s=LINE_TIMEOUT_S)


async def reply(*, settings: Settings, reply_token: str, messages: list[dict[str, Any]]) -> LineResult:
    """Answer a webhook event with its ``replyToken`` (LINE takes no retry key here: a token is
    used once, and a repeat is refused, so a retry can never answer twice)."""
    if settings.line_channel_token is None:
        return LineResult("failed", "no LINE channel token is configured (DEJIMA_LINE_CHANNEL_TOKEN)")
    url = f"{settings.line_api_base.rstrip('/')}/v2/bot/message/reply"
    headers = {"Authorization": f"Bearer {settings.line_channel_token.get_secret_value()}"}
    body = {"replyToken": reply_token, "messages": messages}
    return await _post(url, body, headers, timeout_s=LINE_REPLY_TIMEOUT_S)


async def _post(url: str, body: dict[str, Any], headers: dict[str, str], *, timeout_s: float) -> LineResult:
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=body, headers=headers, allow_redirects=False) as response,
        ):
            status = response.status
            detail = (await response.text())[:300]
            retry_after = retry_after_s(response.headers.get("Retry-After"))
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        return LineResult("retry", f"{type(error).__name__}: {error}")
    if 200 <= status < 300:
        return LineResult("sent", status=status)
    if status == 409 and "x-line-accepted-request-id" in {k.lower() for k in response.headers}:
        return LineResult("sent", "accepted before under this retry key", status)
    if status == 429 or status >= 500:
        return LineResult("retry", f"LINE {status}: {detail}", status, retry_after)
    return LineResult("failed", f"LINE {status}: {detail}", status)
