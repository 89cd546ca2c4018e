"""Actor statistics from the enriched topic: mentions and sentiment in time buckets."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from wirewatch.api.responses import ActorSummary, SeriesPoint
from wirewatch.core.ids import actor_slug
from wirewatch.core.models import ActorType, EnrichedArticle


@dataclass
class Bucket:
    mentions: int = 0
    articles: int = 0
    sentiment_sum: float = 0.0  # over articles: each article's score toward the actor


@dataclass
class ActorStats:
    id: str
    name: str
    type: ActorType
    aliases: dict[str, None] = field(default_factory=dict)  # ordered set, bounded
    buckets: dict[int, Bucket] = field(default_factory=dict)  # bucket start (unix s) -> counts


MAX_ALIASES = 50


class ActorBook:
    """Per actor, mention counts and mean sentiment per time bucket, within a window."""

    def __init__(self, window_s: float, bucket_s: int, capacity: int):
        self.window_s = window_s
        self.bucket_s = bucket_s
        self.capacity = capacity
        self._actors: OrderedDict[str, ActorStats] = OrderedDict()  # least recent first
        self._seen: set[str] = set()  # article ids applied (the topic may repeat them)

    def __len__(self) -> int:
        return len(self._actors)

    def apply(self, article: EnrichedArticle) -> None:
        if article.id in self._seen:
            return
        self._seen.add(article.id)
        start = int(article.received_at.timestamp()) // self.bucket_s * self.bucket_s
        for actor in article.actors:
            stats = self._actors.get(actor.id) or ActorStats(actor.id, actor.name, actor.type)
            self._actors[actor.id] = stats
            self._actors.move_to_end(actor.id)
            for form in actor.surface_forms:
                if len(stats.aliases) < MAX_ALIASES:
                    stats.aliases[form] = None
            bucket = stats.buckets.setdefault(start, Bucket())
            bucket.mentions += actor.mention_count
            bucket.articles += 1
            bucket.sentiment_sum += actor.sentiment.score
        while len(self._actors) > self.capacity:
            self._actors.popitem(last=False)

    def prune(self, now: datetime) -> None:
        cutoff = now.timestamp() - self.window_s
        for stats in list(self._actors.values()):
            stats.buckets = {t: b for t, b in stats.buckets.items() if t + self.bucket_s > cutoff}
            if not stats.buckets:
                del self._actors[stats.id]
        if len(self._seen) > 10 * self.capacity:  # ids of articles long pruned
            self._seen.clear()

    def find(self, name_or_id: str) -> ActorStats | None:
        """By id, by canonical name, or by any alias seen."""
        stats = self._actors.get(name_or_id) or self._actors.get(actor_slug(name_or_id))
        if stats is not None:
            return stats
        folded = name_or_id.casefold()
        return next(
            (s for s in self._actors.values() if folded in map(str.casefold, s.aliases)), None
        )

    def summary(self, since: datetime, type_: str | None, limit: int) -> list[ActorSummary]:
        """Actors seen since `since`, most mentioned first."""
        floor = since.timestamp()
        rows = []
        for s in self._actors.values():
            if type_ is not None and s.type != type_:
                continue
            live = [b for t, b in s.buckets.items() if t + self.bucket_s > floor]
            articles = sum(b.articles for b in live)
            if articles:
                rows.append(
                    ActorSummary(
                        id=s.id,
                        name=s.name,
                        type=s.type,
                        mentions=sum(b.mentions for b in live),
                        articles=articles,
                        sentiment=round(sum(b.sentiment_sum for b in live) / articles, 4),
                    )
                )
        rows.sort(key=lambda r: (-r.mentions, r.name))
        return rows[:limit]

    def series(self, stats: ActorStats, since: datetime) -> list[SeriesPoint]:
        floor = since.timestamp()
        return [
            SeriesPoint(
                start=datetime.fromtimestamp(t, UTC),
                mentions=b.mentions,
                articles=b.articles,
                sentiment=round(b.sentiment_sum / b.articles, 4),
            )
            for t, b in sorted(stats.buckets.items())
            if t + self.bucket_s > floor
        ]
