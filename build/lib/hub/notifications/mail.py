"""E-mail: a UTF-8 MIME message (plain text + simple HTML) sent over SMTP with aiosmtplib.

Headers with Japanese text are encoded words (RFC 2047) and bodies are base64, so the message is
7-bit clean for any relay. ``Message-ID`` is derived from the delivery id: the rare second copy after
a crash between the server's "250 OK" and our record of it carries the same id, which mailboxes
treat as one message. ``List-Unsubscribe`` + ``List-Unsubscribe-Post`` make a one-click unsubscribe
(RFC 8058) that turns e-mail off for this user only.
"""

from __future__ import annotations

import email.policy
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Literal

import aiosmtplib

from hub.notifications.messages import Email
from hub.settings import Settings
from schemas.common import utc_now

# Header lines folded at 78 characters, CRLF line ends, headers RFC 2047-encoded where needed.
_POLICY = email.policy.SMTP
# Long enough for a slow relay to accept one message, short enough that a hung server does not hold
# a worker slot for long; the delivery is retried later.
SMTP_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Literal["sent", "retry", "failed"]
    error: str = ""
    status: int | None = None


def build(
    content: Email,
    *,
    sender: str,
    to: str,
    message_id: str,
    unsubscribe_url: str | None,
    locale: str,
) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = content.subject
    message["Date"] = format_datetime(utc_now())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "dejima.local"
    message["Message-ID"] = f"<{message_id}@{domain}>"
    if unsubscribe_url is not None:  # account mail (invitations, resets) is not a list to leave
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = locale
    message.set_content(content.text, charset="utf-8", cte="base64")
    message.add_alternative(content.html, subtype="html", charset="utf-8", cte="base64")
    return message


async def send_many(messages: list[EmailMessage], *, settings: Settings) -> list[SendResult]:
    """Send ``messages`` over one SMTP connection (a newsletter to many residents): one result each.

    A refusal of one message is that message's result; a lost connection makes it and every message
    after it ``retry``.
    """
    if not settings.smtp_host:
        return [SendResult("failed", "no SMTP server is configured (DEJIMA_SMTP_HOST)") for _ in messages]
    tls_context = ssl.create_default_context(cafile=settings.smtp_ca_file) if settings.smtp_ca_file else None
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=None if settings.smtp_password is None else settings.smtp_password.get_secret_value(),
        start_tls=bool(settings.smtp_starttls),
        tls_context=tls_context,
        timeout=SMTP_TIMEOUT_S,
    )
    results: list[SendResult] = []
    try:
        await client.connect()
        for message in messages:
            results.append(await _one(client, message))
            if results[-1].outcome == "retry" and not client.is_connected:
                break
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        lost = SendResult("retry", f"{type(error).__name__}: {error}")
        results += [lost] * (len(messages) - len(results))
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()
    lost = SendResult("retry", "the SMTP connection was lost before this message")
    return results + [lost] * (len(messages) - len(results))


async def _one(client: aiosmtplib.SMTP, message: EmailMessage) -> SendResult:
    try:
        await client.send_message(message)
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [refusal.code for refusal in error.recipients]
        permanent = all(500 <= code < 600 for code in codes)
        return SendResult("failed" if permanent else "retry", f"recipient refused: {error}", codes[0])
    except aiosmtplib.SMTPResponseException as error:
        permanent = 500 <= error.code < 600
        return SendResult(
            "failed" if permanent else "retry", f"SMTP {error.code}: {error.message}", error.code
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        return SendResult("retry", f"{type(error).__name__}: {error}")
    return SendResult("sent", status=250)


async def send(message: EmailMessage, *, settings: Settings) -> SendResult:
    """Hand the message to the configured SMTP server; say whether to retry on failure."""
    if not settings.smtp_host:
        return SendResult("failed", "no SMTP server is configured (DEJIMA_SMTP_HOST)")
    tls_context = None
    if settings.smtp_ca_file:
        tls_context = ssl.create_default_context(cafile=settings.smtp_ca_file)
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=None if settings.smtp_password is None else settings.smtp_password.get_secret_value(),
            start_tls=bool(settings.smtp_starttls),
            tls_context=tls_context,
            timeout=SMTP_TIMEOUT_S,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [refusal.code for refusal in error.recipients]
        permanent = all(500 <= code < 600 for code in codes)
        return SendResult("failed" if permanent else "retry", f"recipient refused: {error}", codes[0])
    except aiosmtplib.SMTPResponseException as error:
        # 5xx is the server's final word (bad address, refused content); 4xx means try later.
        permanent = 500 <= error.code < 600 and not isinstance(error, aiosmtplib.SMTPAuthenticationError)
        return SendResult(
            "failed" if permanent else "retry", f"SMTP {error.code}: {error.message}", error.code
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        return SendResult("retry", f"{type(error).__name__}: {error}")
    return SendResult("sent", status=250)
