"""What readers read, counted by the COUNTER Code of Practice, Release 5 (5.0.2): https://cop5.projectcounter.org

Reads never write: a view or download is appended to the usage buffer (journal/usage_buffer.py, `record`), and
`flush` (`flask journal flush-usage`, run every few minutes) counts the buffered events into `ArticleUsage`, one
row per article and month:

- §3.3.4 Metric_Types: a view of the article's page is an *investigation*; a download of its PDF is a *request*,
  and a request is an investigation too. So Total_Item_Investigations = views + downloads and
  Total_Item_Requests = downloads.
- §7.1: only successful requests count (200 and 304); the views (journal/web/public/articles.py) record a view
  for the page's 200 or 304 and a download for the redirect to the file, never for HEAD or a range after the first
  bytes, nor for a 404 or a file the storage could not serve.
- §7.2 Double-click filtering: two clicks of the same user on the same item (the same kind: page or PDF) within
  30 seconds count once; the first is removed and the later one retained, and so on along a run of clicks. The
  user is the account if signed in, else the IP address with the user agent (options 1-3 of §7.2; no cookie is
  set on public pages).
- §7.3 Counting unique items: an item counts once per user-session for Unique_Item_Investigations (any view or
  download) and Unique_Item_Requests (downloads). With no session id, the user-session is COUNTER's surrogate:
  the user (account, or IP address + user agent) + the transaction's date + its hour (the day in 24 one-hour
  slices).
- §7.8 Internet robots and crawlers: events whose user agent matches the COUNTER robots list
  (journal/data/counter_robots.json) are not counted.

A flush counts only the events before `cutoff`, the start of the hour that was running two minutes ago
(`LOOK_AHEAD`), so every user-session hour is counted whole in one batch, and it reads past the cutoff to know whether the last
click before it was the first of a double click; the later events go back to the buffer. The counts and the
batch's `UsageBatch` row are committed together: a batch met again after a crash is not counted twice. (After a
flush that stopped before its commit, the batch it left is counted on its own before the events that arrived since:
a user-session hour split between the two may then count twice among the unique figures; totals are exact.)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from journal.extensions import db
from journal.models import BEFORE_COUNTER, Article, ArticleUsage, ArticleVersion, Journal, UsageBatch, utcnow
from journal.usage_buffer import DOWNLOAD, UsageBuffer, UsageEvent, buffer_for

log = logging.getLogger(__name__)

DOUBLE_CLICK_SECONDS = 30  # §7.2
# The flush waits this long after an hour ends: the double-click window (30 s) after the cutoff, plus the file
# buffer's minute of settling (usage_buffer.SETTLE), so the events just after the cutoff are in the batch.
LOOK_AHEAD = timedelta(minutes=2)
METRICS = ("total_item_investigations", "unique_item_investigations", "total_item_requests", "unique_item_requests")


def buffer() -> UsageBuffer:
    """The application's usage buffer (USAGE_BUFFER_URL; files under the instance folder by default)."""
    return buffer_of(current_app._get_current_object())


def buffer_of(app) -> UsageBuffer:
    """`buffer()` for code that runs without an app context (the page cache's hits)."""
    if "usage_buffer" not in app.extensions:
        app.extensions["usage_buffer"] = buffer_for(app.config, app.instance_path)
    return app.extensions["usage_buffer"]


def record(event: UsageEvent) -> None:
    """Append one view or download to the buffer; a buffer that fails loses the count, never the reader's page."""
    try:
        buffer().append(event)
    except Exception:  # noqa: BLE001 - counting must never break reading
        log.exception("usage event not recorded")


# --- flushing ------------------------------------------------------------------------------------------------

@dataclass
class FlushReport:
    batches: int = 0
    events: int = 0
    counted: int = 0  # events that made a count (robots and the first clicks of double clicks do not)
    kept: int = 0  # events after the cutoff, back in the buffer


def cutoff_for(now: datetime) -> datetime:
    """The start of the hour that began at least LOOK_AHEAD ago: the events before it are complete."""
    return (now - LOOK_AHEAD).replace(minute=0, second=0, microsecond=0)


def flush(now: datetime | None = None, *, into: UsageBuffer | None = None) -> FlushReport:
    """Count the buffered events that are complete into the monthly figures (the module's docstring says how)."""
    now = now or utcnow()
    store = into or buffer()
    report = FlushReport()
    with store.flushing(now) as take:
        for _attempt in range(2):  # a batch left by a stopped flush first, then what waits
            batch_id, events, resumed = take()
            if batch_id is None:
                break
            done = db.session.get(UsageBatch, batch_id)
            cutoff = done.cutoff if done is not None else cutoff_for(now)
            if done is None:
                counted = add_counts(events, cutoff)
                db.session.add(UsageBatch(id=batch_id, cutoff=cutoff, events=len(events), counted=counted))
                db.session.commit()
                report.counted += counted
            remaining = [e for e in events if e.at >= cutoff.timestamp()]
            store.finish(batch_id, remaining)
            report.batches += 1
            report.events += len(events) - len(remaining)
            report.kept += len(remaining)
            if not resumed:
                break
    return report


def retained(events: list[UsageEvent]) -> list[UsageEvent]:
    """§7.8 then §7.2: robots out; of clicks by the same user on the same item and kind at most 30 s apart, only the
    later one stays."""
    people = sorted((e for e in events if not e.robot), key=lambda e: (e.visitor, e.article_id, e.kind, e.at))
    kept = []
    for this, following in zip(people, people[1:] + [None]):
        same = (following is not None and (following.visitor, following.article_id, following.kind)
                == (this.visitor, this.article_id, this.kind))
        if not (same and following.at - this.at <= DOUBLE_CLICK_SECONDS):
            kept.append(this)
    return kept


def monthly_counts(events: list[UsageEvent], cutoff: datetime) -> dict[tuple[int, date], dict[str, int]]:
    """The four metrics per (article, month) of the events before `cutoff` (§3.3.4, §7.2, §7.3)."""
    counts: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    investigated, requested = set(), set()
    for event in retained(events):
        if event.at >= cutoff.timestamp():
            continue  # seen only to filter the double clicks before the cutoff
        moment = event.moment
        key = (event.article_id, moment.date().replace(day=1))
        session = (event.visitor, moment.date(), moment.hour)  # §7.3's surrogate user-session
        row = counts[key]
        row["total_item_investigations"] += 1
        if (event.article_id, session) not in investigated:
            investigated.add((event.article_id, session))
            row["unique_item_investigations"] += 1
        if event.kind == DOWNLOAD:
            row["total_item_requests"] += 1
            if (event.article_id, session) not in requested:
                requested.add((event.article_id, session))
                row["unique_item_requests"] += 1
    return dict(counts)


def add_counts(events: list[UsageEvent], cutoff: datetime) -> int:
    """Add the batch's figures to the stored ones (in the caller's transaction); returns the events counted."""
    counts = monthly_counts(events, cutoff)
    articles = set(db.session.scalars(select(Article.id).where(Article.id.in_({a for a, _m in counts}))))
    counts = {key: row for key, row in counts.items() if key[0] in articles}  # an article deleted since: nothing
    stored = {(u.article_id, u.month): u for u in db.session.scalars(
        select(ArticleUsage).where(ArticleUsage.article_id.in_(articles)))} if counts else {}
    for (article_id, month), row in counts.items():
        usage = stored.get((article_id, month))
        if usage is None:
            db.session.add(ArticleUsage(article_id=article_id, month=month, **row))
        else:
            for metric, value in row.items():
                setattr(usage, metric, getattr(usage, metric) + value)
    return sum(row["total_item_investigations"] for row in counts.values())


# --- reading the figures -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Totals:
    """An article's figures over all months: what readers and authors see."""

    investigations: int = 0
    requests: int = 0


def totals(article_ids: list[int]) -> dict[int, Totals]:
    if not article_ids:
        return {}
    rows = db.session.execute(
        select(ArticleUsage.article_id, func.sum(ArticleUsage.total_item_investigations),
               func.sum(ArticleUsage.total_item_requests))
        .where(ArticleUsage.article_id.in_(article_ids)).group_by(ArticleUsage.article_id)).all()
    found = {article_id: Totals(int(i or 0), int(r or 0)) for article_id, i, r in rows}
    return {article_id: found.get(article_id, Totals()) for article_id in article_ids}


@dataclass
class UsageRow:
    label: str
    total_item_investigations: int = 0
    unique_item_investigations: int = 0
    total_item_requests: int = 0
    unique_item_requests: int = 0
    month: date | None = None
    article_id: int | None = None
    doi: str | None = None


@dataclass
class Report:
    months: list[UsageRow]  # every month of the period, empty ones too
    articles: list[UsageRow]  # the journal's articles with any use in the period, most investigated first
    whole: UsageRow = field(default_factory=lambda: UsageRow(""))
    before_counter: Totals = field(default_factory=Totals)  # counted before migration 0020, month unknown


def period_months(period: str, today: date | None = None) -> list[date]:
    """"12m": the last twelve months, this one included; a year: its twelve months."""
    today = today or utcnow().date()
    if period.isdigit():
        return [date(int(period), m, 1) for m in range(1, 13)]
    first = today.replace(day=1)
    months = []
    for _n in range(12):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


def report(journal: Journal, months: list[date], article_id: int | None = None) -> Report:
    """The journal's figures per month over `months`, and per article, optionally for one article only."""
    scope = [Article.journal_id == journal.id] + ([Article.id == article_id] if article_id is not None else [])
    where = [*scope, ArticleUsage.month >= months[0], ArticleUsage.month <= months[-1]]
    sums = [func.sum(getattr(ArticleUsage, m)) for m in METRICS]
    by_month = {month: values for month, *values in db.session.execute(
        select(ArticleUsage.month, *sums).join(Article, Article.id == ArticleUsage.article_id).where(*where)
        .group_by(ArticleUsage.month)).all()}
    month_rows = [UsageRow(f"{m:%Y-%m}", *(int(v or 0) for v in by_month.get(m, (0, 0, 0, 0))), month=m)
                  for m in months]
    article_rows = [UsageRow(title, *(int(v or 0) for v in values), article_id=id_, doi=doi)
                    for id_, doi, title, *values in db.session.execute(
                        select(Article.id, Article.doi, ArticleVersion.title, *sums)
                        .join(Article, Article.id == ArticleUsage.article_id)
                        .join(ArticleVersion, ArticleVersion.id == Article.current_version_id).where(*where)
                        .group_by(Article.id, Article.doi, ArticleVersion.title)).all()]
    article_rows.sort(key=lambda r: (-r.total_item_investigations, r.label))
    whole = UsageRow("", *(sum(getattr(r, m) for r in month_rows) for m in METRICS))
    old = db.session.execute(
        select(func.sum(ArticleUsage.total_item_investigations), func.sum(ArticleUsage.total_item_requests))
        .join(Article, Article.id == ArticleUsage.article_id)
        .where(ArticleUsage.month == BEFORE_COUNTER, *scope)).one()
    return Report(month_rows, article_rows, whole, Totals(int(old[0] or 0), int(old[1] or 0)))


def article_months(journal: Journal, months: list[date]) -> list[UsageRow]:
    """Every article's figures per month over `months` (the CSV per article and month)."""
    rows = db.session.execute(
        select(Article.id, Article.doi, ArticleVersion.title, ArticleUsage.month,
               *(getattr(ArticleUsage, m) for m in METRICS))
        .join(Article, Article.id == ArticleUsage.article_id)
        .join(ArticleVersion, ArticleVersion.id == Article.current_version_id)
        .where(Article.journal_id == journal.id, ArticleUsage.month >= months[0], ArticleUsage.month <= months[-1])
        .order_by(Article.id, ArticleUsage.month)).all()
    return [UsageRow(title, *values, month=month, article_id=id_, doi=doi)
            for id_, doi, title, month, *values in rows]
