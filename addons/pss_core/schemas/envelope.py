"""The event envelope shared by every inbound and outbound event."""

from typing import Any

from pydantic import Field

from .common import ExternalId, StrictModel, Timestamp, text_type

__all__ = ["MAX_BATCH_EVENTS", "Envelope", "EnvelopeBatch"]

MAX_BATCH_EVENTS = 500

EventType = text_type(64, pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
EntityCode = text_type(32, min_length=1)


class Envelope(StrictModel):
    id: ExternalId = Field(description="The sender's event id, unique per system")
    type: EventType = Field(description="Event type, e.g. timesheet.approved")
    schema_version: int = Field(ge=1, le=1000)
    occurred_at: Timestamp = Field(description="ISO 8601 with a UTC offset")
    entity: EntityCode = Field(description="Canonical legal entity code")
    correlation_id: ExternalId | None = None
    data: dict[str, Any] = Field(description="Payload, validated per event type")


class EnvelopeBatch(StrictModel):
    events: list[Envelope] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)
