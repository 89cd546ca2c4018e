"""Request and response bodies of the api (the alert itself is the topic's Alert model)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, PlainSerializer, SecretStr

from wirewatch.core.models import (
    ActorType,
    Alert,
    EnrichedArticle,
    InputText,
    SentimentLabel,
    Severity,
    UtcDatetime,
)


class AlertPage(BaseModel):
    count: int
    alerts: list[Alert]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next (older) page; null on the last page."
    )
    head: str | None = Field(
        None, description="Pass as `after` (with `wait`) to get only what arrives later."
    )


class ActorSummary(BaseModel):
    id: str
    name: str
    type: ActorType
    mentions: int
    articles: int
    sentiment: float = Field(description="Mean over articles of the sentiment toward the actor.")


class ActorList(BaseModel):
    since: datetime
    count: int
    actors: list[ActorSummary]


class SeriesPoint(BaseModel):
    start: datetime
    mentions: int
    articles: int
    sentiment: float


class ActorDetail(BaseModel):
    id: str
    name: str
    type: ActorType
    aliases: list[str]
    bucket_seconds: int
    series: list[SeriesPoint]
    recent_alerts: list[Alert]


class TargetSpan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class TargetSentiment(TargetSpan):
    """A target's sentiment; a span that is not inside the text gets `error` instead (one
    bad span does not refuse the request, which the schema cannot say in advance)."""

    label: SentimentLabel | None = None
    score: float | None = None
    error: str | None = None


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Rockets hit Tripoli",
                    "text": "Khalifa Haftar's forces fired rockets at Tripoli. "
                    "Turkey has responded positively to the request for support.",
                    "targets": [{"start": 0, "end": 14}],
                }
            ]
        },
    )

    text: InputText
    title: str | None = Field(None, max_length=2_000)
    url: AnyHttpUrl | None = None
    source: str | None = Field(None, max_length=200)
    published_at: UtcDatetime | None = None
    targets: list[TargetSpan] = Field([], max_length=200)


class AnalyzeResponse(BaseModel):
    article: EnrichedArticle
    alerts: list[Alert] = Field(description="Alerts the rules would raise (nothing is published).")
    targets: list[TargetSentiment]


class WebhookFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: list[Severity] = []
    rule: list[str] = []
    tag: list[str] = []
    actor: str | None = Field(None, max_length=200)
    q: str | None = Field(None, max_length=200)


class WebhookIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.org/wirewatch",
                    "secret": "a-long-shared-secret-1234",
                    "filters": {"severity": ["high", "critical"], "actor": "Khalifa Haftar"},
                }
            ]
        },
    )

    url: AnyHttpUrl
    secret: SecretStr = Field(
        min_length=16, max_length=200, description="Signs every delivery; never returned."
    )
    filters: WebhookFilters = WebhookFilters()


# Written whole to the webhooks topic (JSON), masked in any repr.
StoredSecret = Annotated[
    SecretStr, PlainSerializer(lambda s: s.get_secret_value(), when_used="json")
]


class Webhook(BaseModel):
    """A subscription as the API shows it: the secret is never returned."""

    id: str
    url: str
    filters: WebhookFilters
    created_at: UtcDatetime


class StoredWebhook(Webhook):
    """A subscription as stored on the webhooks topic, secret included (the topic is the
    store; a repr or log of it still masks the secret)."""

    secret: StoredSecret

    def public(self) -> Webhook:
        return Webhook(id=self.id, url=self.url, filters=self.filters, created_at=self.created_at)
