"""Message models: the Python side of the JSON Schemas in schemas/ (generated from here)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

SCHEMA_VERSION: Literal[1] = 1
MAX_TEXT_CHARS = 200_000

Severity = Literal["low", "medium", "high", "critical"]
SentimentLabel = Literal["negative", "neutral", "positive"]
ActorType = Literal["person", "organisation", "place", "group"]


def _utc(value: datetime | None) -> datetime | None:
    """Naive timestamps are taken as UTC; aware ones are converted to it."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain non-whitespace text")
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS), AfterValidator(_not_blank)]
# A sender's text, as OpenAPI says it: at least one character that cleaning keeps (not
# whitespace, not a control character), so a schema-valid text is never refused as empty.
InputText = Annotated[
    Text, Field(json_schema_extra={"pattern": "[^\\s\\x00-\\x1f\\x7f-\\x9f\\u200b]"})
]


_CONFIG = ConfigDict(extra="ignore", frozen=True)


class _Strict(BaseModel):
    """What a sender submits: an unknown field is a mistake and is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Message(BaseModel):
    """Part of a topic message. The evolution rule of the v1 topics: fields are only ever
    added, optional, so a reader ignores fields it does not know (our services as much as
    subscribers) and the published schemas allow them."""

    model_config = _CONFIG


class ArticleIn(_Strict):
    """An article as a sender submits it (HTTP body, replay file, analyze input).

    The text comes as `text`, or as HTML in `html` (or in `text` with
    `content_type: text/html`); HTML is reduced to the article's text.
    """

    # Exactly one of text and html, as the validator below insists, said in the schema too.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "oneOf": [
                {"required": ["text"], "properties": {"text": {"type": "string"}}},
                {"required": ["html"], "properties": {"html": {"type": "string"}}},
            ]
        },
    )

    text: InputText | None = None
    html: str | None = Field(None, min_length=1, max_length=5 * MAX_TEXT_CHARS)
    content_type: Literal["text/plain", "text/html"] = "text/plain"
    title: str | None = Field(None, max_length=2_000)
    url: AnyHttpUrl | None = None
    published_at: UtcDatetime | None = Field(
        None, validation_alias=AliasChoices("published_at", "published")
    )
    source: str | None = Field(None, max_length=200)
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9._:@/+-]{1,200}$")

    @model_validator(mode="after")
    def _one_body(self) -> ArticleIn:
        if (self.text is None) == (self.html is None):
            raise ValueError("give the article as `text` or as `html` (exactly one)")
        return self

    @property
    def markup(self) -> str | None:
        """The HTML to extract text from, if the article came as HTML."""
        if self.html is not None:
            return self.html
        return self.text if self.content_type == "text/html" else None


class RawArticle(_Message):
    """An accepted article on the raw topic, keyed by its id."""

    model_config = ConfigDict(**_CONFIG, title="article.raw.v1")

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(min_length=1, max_length=200)
    title: str | None = None
    text: Text
    url: str | None = None
    canonical_url: str | None = None
    published_at: UtcDatetime | None = None
    source: str | None = None
    received_at: UtcDatetime
    language: str | None = Field(None, description="ISO 639-1 code, when known.")
    story_id: str | None = Field(None, description="Shared by copies of one story, when known.")
    duplicate_of: str | None = Field(None, description="The earlier article this nearly repeats.")
    original_length: int | None = Field(
        None, description="Characters as submitted, before cleaning."
    )


class Span(_Message):
    """A stretch of the article text: character offsets, end exclusive."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Evidence(Span):
    """A span that carries sentiment toward an actor, with its score."""

    score: float = Field(ge=-1, le=1)


class MentionSentiment(_Message):
    score: float = Field(ge=-1, le=1)
    label: SentimentLabel
    evidence: Span


class Mention(_Message):
    """One entity mention in the text, linked to the actor it names."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    label: str = Field(description="spaCy entity label, e.g. PERSON, ORG, GPE.")
    actor_id: str
    sentiment: MentionSentiment


class ActorSentiment(_Message):
    score: float = Field(ge=-1, le=1)
    label: SentimentLabel
    evidence: list[Evidence]


class Offsets(_Message):
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class ActorCandidate(_Message):
    """A known actor this one resembles, reported rather than merged."""

    id: str
    name: str
    score: float = Field(ge=0, le=100, description="rapidfuzz ratio of the normalised names.")


class Actor(_Message):
    """A canonical actor of the article, with every surface form that named it."""

    id: str
    name: str
    type: ActorType
    mention_count: int = Field(ge=1)
    surface_forms: list[str]
    sentiment: ActorSentiment
    match: Literal["alias", "fuzzy", "article"] = Field(
        "article",
        description="How the canonical actor was found: the alias table, a fuzzy match "
        "against it, or only within this article.",
    )
    wikidata: str | None = None
    candidates: list[ActorCandidate] = Field(
        default_factory=list, description="Known actors it resembles, not merged."
    )
    salience: float = Field(
        0.0, ge=0, le=1, description="Share of mentions, earliness and presence in the title."
    )
    mentions: list[Offsets] = Field(default_factory=list, description="Where it is named.")


class AlertRef(_Message):
    id: str
    rule_id: str
    severity: Severity


class ModelInfo(_Message):
    spacy: str
    sentiment: str
    rules: str
    entities: str | None = Field(
        None,
        description=(
            "The trained entity tagger that named the actors; absent when spaCy's own NER did."
        ),
    )


class Quote(_Message):
    """Something an actor said: quoted directly or reported ("X said that ...")."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Field(description="The quoted or reported words.")
    kind: Literal["direct", "reported"]
    speaker_id: str | None = Field(description="The speaking actor; null when not found.")
    speaker: str | None
    attribution: Literal["explicit", "pronoun", "according_to", "continued", "none"] = Field(
        description="How the speaker was found: named as the subject of a verb of saying, "
        "a pronoun resolved to the last speaker, 'according to X', a quotation continuing "
        "the previous one, or not at all."
    )
    cue: Span | None = Field(description="The verb of saying (or 'according to X').")
    target_ids: list[str] = Field(description="Actors named in the quote, speaker excluded.")


class Stance(_Message):
    """What a speaker's quotes say about an actor: the sentiment toward it in them."""

    speaker_id: str
    speaker: str
    target_id: str
    target: str
    score: float = Field(ge=-1, le=1)
    label: SentimentLabel
    quotes: list[int] = Field(description="Indexes into `quotes`.")
    evidence: list[Evidence]


class EnrichedArticle(_Message):
    """An article with its entities, actors, sentiment and the alerts it raised."""

    model_config = ConfigDict(**_CONFIG, title="article.enriched.v1")

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str
    title: str | None
    text: str
    url: str | None
    source: str | None
    published_at: UtcDatetime | None
    received_at: UtcDatetime
    enriched_at: UtcDatetime
    entities: list[Mention]
    actors: list[Actor]
    alerts: list[AlertRef]
    models: ModelInfo
    language: str | None = None
    story_id: str | None = None
    quotes: list[Quote] = Field(default_factory=list)
    stances: list[Stance] = Field(default_factory=list)


class TermMatch(_Message):
    """Where a rule's term matched: in the title or the text, with offsets there."""

    term: str
    text: str
    field: Literal["title", "text"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    sentence: Span | None = Field(None, description="The sentence around the match.")


class AlertActor(_Message):
    id: str
    name: str
    type: ActorType
    sentiment: float = Field(ge=-1, le=1)
    label: SentimentLabel

    @classmethod
    def of(cls, actor: Actor) -> AlertActor:
        return cls(
            id=actor.id,
            name=actor.name,
            type=actor.type,
            sentiment=actor.sentiment.score,
            label=actor.sentiment.label,
        )


class RelatedArticle(_Message):
    """A later copy of the story (or the same actor and rule within the cooldown)."""

    article_id: str
    title: str | None
    url: str | None
    source: str | None
    published_at: UtcDatetime | None
    received_at: UtcDatetime


class SentimentShift(_Message):
    """The numbers behind a sentiment-shift alert."""

    actor_id: str
    actor_name: str
    baseline_mean: float
    recent_mean: float
    delta: float
    baseline_articles: int
    recent_articles: int


class Alert(_Message):
    """A rule that fired on an article; its id is derived from article id and rule id.

    An alert may be published again with a higher `revision` when related articles
    join it; consumers keep the highest revision of each id.
    """

    model_config = ConfigDict(**_CONFIG, title="alert.v1")

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str
    article_id: str
    rule_id: str
    rule_name: str
    severity: Severity
    created_at: UtcDatetime
    title: str | None
    url: str | None
    source: str | None
    published_at: UtcDatetime | None
    matches: list[TermMatch]
    actors: list[AlertActor]
    rules_version: str
    kind: Literal["match", "sentiment_shift"] = "match"
    tags: list[str] = []
    clauses: list[str] = Field([], description="The rule's conditions that matched, in words.")
    models: ModelInfo | None = None
    story_id: str | None = None
    revision: int = Field(0, ge=0)
    updated_at: UtcDatetime | None = None
    related: list[RelatedArticle] = []
    related_count: int = Field(0, ge=0)
    shift: SentimentShift | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)
