"""Messages of the WebSocket ``/ws`` (API.md, Realtime), and what the hub instances tell each other.

Events themselves are ``schemas.events.Event``; everything else a socket sends or receives is here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from schemas.common import Out, Strict

# A ``ref`` is the client's: echoed as it came (the contract shows strings; numbers are common too).
Ref = str | int | None

# --- client → server --------------------------------------------------------------------------------


class AuthMessage(Strict):
    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=512)
    ref: Ref = None


class SubscribeMessage(Strict):
    type: Literal["subscribe"]
    channel: str = Field(min_length=1, max_length=200)
    since: int | None = Field(default=None, ge=0)
    ref: Ref = None
    # Extension: ``false`` watches a board:/hub: channel without being counted in its presence
    # (a wall screen). Kiosk accounts are never counted, whatever they send.
    presence: bool = True


class UnsubscribeMessage(Strict):
    type: Literal["unsubscribe"]
    channel: str = Field(min_length=1, max_length=200)
    ref: Ref = None


class PingMessage(Strict):
    type: Literal["ping"]
    ref: Ref = None


class PresenceUpdateMessage(Strict):
    type: Literal["presence.update"]
    channel: str = Field(min_length=1, max_length=200)
    state: dict[str, Any]
    ref: Ref = None


ClientMessage = AuthMessage | SubscribeMessage | UnsubscribeMessage | PingMessage | PresenceUpdateMessage

# --- server → client --------------------------------------------------------------------------------


class Reply(Out):
    """A server message. Optional fields are left out when unset; ``ref`` is always there."""

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None or key == "ref"}


class Subscribed(Reply):
    model_config = ConfigDict(populate_by_name=True)

    type: Literal["subscribed"] = "subscribed"
    ref: Ref
    channel: str
    seq: int
    recovered: bool
    # Only when ``recovered`` is false: the oldest seq still kept.
    from_: int | None = Field(default=None, alias="from")


class Unsubscribed(Reply):
    type: Literal["unsubscribed"] = "unsubscribed"
    ref: Ref
    channel: str


class Pong(Reply):
    type: Literal["pong"] = "pong"
    ref: Ref


class Authenticated(Reply):
    """The answer to a first-message ``auth`` (the contract leaves it open; clients may ignore it)."""

    type: Literal["authenticated"] = "authenticated"
    ref: Ref
    user_id: str


class ErrorMessage(Reply):
    type: Literal["error"] = "error"
    ref: Ref
    code: str
    message: str
    # Set when the error ends a subscription (a right lost) or concerns one channel.
    channel: str | None = None
    details: dict[str, Any] | None = None


class RightsChangedFrame(Out):
    """To a subscription that stays after its rights were checked again (a viewer made an editor, a
    role or membership changed): what the subscriber may *do* there may differ now; a page re-reads
    its rights (``GET /api/projects/{id}``) instead of waiting for a reload."""

    type: Literal["rights_changed"] = "rights_changed"
    channel: str


class PresenceMeta(BaseModel):
    conn: str
    state: dict[str, Any]
    since: str
    hub: str | None


class PresenceMember(BaseModel):
    name: str
    metas: list[PresenceMeta]


class PresenceState(Out):
    type: Literal["presence_state"] = "presence_state"
    channel: str
    members: dict[str, PresenceMember]


class PresenceDiff(Out):
    type: Literal["presence_diff"] = "presence_diff"
    channel: str
    joins: dict[str, PresenceMember]
    leaves: dict[str, PresenceMember]


# --- between hub instances (Redis) -----------------------------------------------------------------


class RightsChanged(BaseModel):
    """Published on ``dejima:rights`` when who may read what changed.

    ``project_id``: the members or visibility of a project changed; every subscription granted through
    it is checked again. ``user_id``: a user's sessions, role or account changed; their sockets
    authenticate again and every subscription of theirs is checked again.
    """

    project_id: str | None = None
    user_id: str | None = None
