"""The ``user:{id}`` channel: every notification of a person, and their preferences, are its events."""

from __future__ import annotations


def user_channel(user_id: str) -> str:
    return f"user:{user_id}"
