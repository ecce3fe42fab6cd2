"""The event envelope shared by every inbound and outbound event."""

from typing import Annotated, Any

from pydantic import AwareDatetime, Field, StringConstraints

from .common import ExternalId, StrictModel

__all__ = ["MAX_BATCH_EVENTS", "Envelope", "EnvelopeBatch"]

MAX_BATCH_EVENTS = 500

EventType = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$", max_length=64),
]
EntityCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class Envelope(StrictModel):
    id: ExternalId = Field(description="The sender's event id, unique per system")
    type: EventType = Field(description="Event type, e.g. timesheet.approved")
    schema_version: int = Field(ge=1, le=1000)
    occurred_at: AwareDatetime = Field(description="ISO 8601 with a UTC offset")
    entity: EntityCode = Field(description="Canonical legal entity code")
    correlation_id: ExternalId | None = None
    data: dict[str, Any] = Field(description="Payload, validated per event type")


class EnvelopeBatch(StrictModel):
    events: list[Envelope] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)
