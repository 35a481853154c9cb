"""How a journal is doing: its editors' figures, computed by SQL aggregates over the submissions, decisions, review
assignments and the audit trail (never loaded row by row into Python).

Each figure is counted in the period when it happened: a paper received in March and accepted in June counts as
received in March and accepted in June, and each paper once for each kind of event. Received: first submission
(`submitted_at`); desk-rejected, accepted and rejected: the decisions of those kinds; sent to review and withdrawn:
the paper's `submission.send_to_review` audit event of round 1 and its `submission.withdraw` event (a revision
sent to review again is not counted again); published: the `submission.publish` or `publish_online` event. The acceptance rate is accepted / (accepted + rejected + desk-rejected). Days run from
the first submission to the first decision (the decision on the first version, of any kind), to acceptance and to
publication, for the papers that reached that step in the period; percentiles are interpolated as PostgreSQL's
`percentile_cont` does (SQLite gets the same interpolation written with window functions).

Every function answers one table, so a CSV download computes only the table it serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, text

from journal.extensions import db
from journal.models import Journal, utcnow
from journal.models.base import UTCDateTime

KINDS = ("received", "desk_rejected", "sent_to_review", "accepted", "rejected", "withdrawn")
MEASURES = ("first_decision", "acceptance", "publication")
PERCENTILES = (0.5, 0.8)


@dataclass(frozen=True)
class Scope:
    """Which papers and when: one journal, a period [start, end) (None: from the first paper on), a section."""

    journal_id: int
    start: datetime | None
    end: datetime
    section_id: int | None = None

    def params(self) -> dict:
        return {"journal": self.journal_id, "start": self.start or datetime(1970, 1, 1, tzinfo=UTC),
                "end": self.end, "section": self.section_id}


def month_start(moment: datetime, back: int = 0) -> datetime:
    """The first instant of the month `back` months before `moment`'s."""
    index = moment.year * 12 + moment.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def last_twelve_months(journal: Journal, section_id: int | None = None, now: datetime | None = None) -> Scope:
    now = now or utcnow()
    return Scope(journal.id, month_start(now, 11), month_start(now, -1), section_id)


def year_scope(journal: Journal, year: int, section_id: int | None = None) -> Scope:
    return Scope(journal.id, datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC), section_id)


def all_years(journal: Journal, section_id: int | None = None, now: datetime | None = None) -> Scope:
    return Scope(journal.id, None, month_start(now or utcnow(), -1), section_id)


def first_year(journal: Journal) -> int | None:
    """The year of the journal's first submission (the period menu starts there)."""
    first = db.session.execute(text("SELECT min(submitted_at) FROM submissions WHERE journal_id = :journal"),
                               {"journal": journal.id}).scalar()
    if first is None:
        return None
    return first.year if isinstance(first, datetime) else int(str(first)[:4])


def _run(sql: str, scope: Scope):
    """The statement with the scope's values, its times bound as the columns store them."""
    statement = text(sql).bindparams(bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime))
    return db.session.execute(statement, scope.params())


# --- dialect-specific fragments: the only place where SQLite and PostgreSQL differ -----------------------------

def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _bucket(column: str, grain: str) -> str:
    """The month or year of a time, in UTC, to group on (_bucket_name names it: "2026-03", "2026")."""
    if _postgres():
        return f"date_trunc('{grain}', {column} AT TIME ZONE 'UTC')"
    return f"strftime('{'%Y-%m' if grain == 'month' else '%Y'}', {column})"


def _bucket_name(column: str, grain: str) -> str:
    if _postgres():
        return f"to_char({column}, '{'YYYY-MM' if grain == 'month' else 'YYYY'}')"
    return column


def _days(later: str, earlier: str) -> str:
    if _postgres():
        return f"EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0"
    return f"(julianday({later}) - julianday({earlier}))"


def _percentiles(source: str, group: str) -> str:
    """label, grp, measure, papers and one column per PERCENTILES over `source`(measure, days, …) grouped by the
    column `group` (or one group, NULL)."""
    grp = group if group != "all" else "CAST(NULL AS INTEGER)"
    if _postgres():
        columns = ", ".join(f"percentile_cont({p}) WITHIN GROUP (ORDER BY days)" for p in PERCENTILES)
        return (f"SELECT '{group}', {grp}, measure, count(*), {columns} FROM {source} "
                f"GROUP BY {'measure' if group == 'all' else f'{group}, measure'}")

    def interpolated(p: float) -> str:
        lower = f"CAST(1 + {p} * (n - 1) AS INTEGER)"
        low = f"max(CASE WHEN rn = {lower} THEN days END)"
        high = f"coalesce(max(CASE WHEN rn = {lower} + 1 THEN days END), {low})"
        fraction = f"((1 + {p} * (max(n) - 1)) - CAST(1 + {p} * (max(n) - 1) AS INTEGER))"
        return f"{low} + {fraction} * ({high} - {low})"

    columns = ", ".join(interpolated(p) for p in PERCENTILES)
    return (f"SELECT '{group}', grp, measure, max(n), {columns} FROM ("
            f"SELECT {grp} AS grp, measure, days, row_number() OVER (PARTITION BY {grp}, measure ORDER BY days) AS rn, "
            f"count(*) OVER (PARTITION BY {grp}, measure) AS n FROM {source}) AS ranked GROUP BY grp, measure")


def _payload_int(column: str, key: str) -> str:
    """An integer of an audit event's payload (the round a paper was sent to review in)."""
    if _postgres():
        return f"CAST({column} ->> '{key}' AS INTEGER)"
    return f"json_extract({column}, '$.{key}')"


def _section_condition(scope: Scope) -> str:
    return " AND s.section_id = :section" if scope.section_id is not None else ""


# --- counts ---------------------------------------------------------------------------------------------------

@dataclass
class Counts:
    """One line of a counts table: a month, a year, a section or an editor."""

    key: object
    label: str
    received: int = 0
    desk_rejected: int = 0
    sent_to_review: int = 0
    accepted: int = 0
    rejected: int = 0
    withdrawn: int = 0
    times: dict[str, Duration] = field(default_factory=dict)  # for sections and editors

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected + self.desk_rejected

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted among the final decisions, 0–1; None without any."""
        return self.accepted / self.decided if self.decided else None


COUNT_GROUPS = {"month": None, "year": None, "section": "section_id", "editor": "editor_id"}


def _event_counts(scope: Scope, groupings: tuple[str, ...]) -> dict[str, dict[object, dict[str, int]]]:
    """{grouping: {group: {kind: papers}}}, every grouping from one pass over the period's events.

    Each event branch finds its rows through an index on its time (or the audit trail's journal, action and time),
    gives one row per paper (a paper has at most one final decision, and only its first sending to review counts),
    so the groups are plain counts."""
    section = _section_condition(scope)
    selects = []
    for grouping in groupings:
        column = COUNT_GROUPS[grouping]
        if column is None:  # grouped on the month's (year's) start, named after grouping: cheaper on PostgreSQL
            selects.append(f"SELECT '{grouping}', {_bucket_name('b', grouping)}, CAST(NULL AS INTEGER), kind, n FROM "
                           f"(SELECT {_bucket('at', grouping)} AS b, kind, count(*) AS n FROM events "
                           f"GROUP BY {_bucket('at', grouping)}, kind) AS {grouping}s")
        else:
            selects.append(f"SELECT '{grouping}', CAST(NULL AS VARCHAR), {column}, kind, count(*) FROM events "
                           f"GROUP BY {column}, kind")
    sql = f"""
        WITH events(kind, at, section_id, editor_id) AS (
            SELECT 'received', s.submitted_at, s.section_id, s.handling_editor_id FROM submissions s
             WHERE s.journal_id = :journal AND s.submitted_at >= :start AND s.submitted_at < :end{section}
            UNION ALL
            SELECT e.kind, e.at, s.section_id, s.handling_editor_id
              FROM (SELECT CASE kind WHEN 'desk_reject' THEN 'desk_rejected' WHEN 'accept' THEN 'accepted'
                           ELSE 'rejected' END AS kind, created_at AS at, submission_id
                      FROM decisions
                     WHERE kind IN ('desk_reject', 'accept', 'reject') AND created_at >= :start AND created_at < :end
                    UNION ALL
                    SELECT CASE action WHEN 'submission.withdraw' THEN 'withdrawn' ELSE 'sent_to_review' END,
                           created_at, subject_id
                      FROM audit_events a
                     WHERE journal_id = :journal AND action IN ('submission.send_to_review', 'submission.withdraw')
                       AND created_at >= :start AND created_at < :end AND subject_type = 'submission'
                       AND (action = 'submission.withdraw' OR {_payload_int('a.payload', 'round')} = 1)) AS e
              JOIN submissions s ON s.id = e.submission_id
             WHERE s.journal_id = :journal{section}
        )
        {" UNION ALL ".join(selects)}
    """
    found: dict = {g: {} for g in groupings}
    for grouping, bucket, group_id, kind, count in _run(sql, scope):
        key = bucket if COUNT_GROUPS[grouping] is None else group_id
        found[grouping].setdefault(key, dict.fromkeys(KINDS, 0))[kind] = count
    return found


def _periods(scope: Scope, grain: str, seen: set[str]) -> list[str]:
    """Every month (or year) of the scope, also those without events, oldest first."""
    if scope.start is None:
        if not seen:
            return []
        first = min(seen)
        start = datetime(int(first[:4]), int(first[5:7]) if grain == "month" else 1, 1, tzinfo=UTC)
    else:
        start = scope.start
    keys, moment = [], start
    while moment < scope.end:
        key = moment.strftime("%Y-%m" if grain == "month" else "%Y")
        if key not in keys:
            keys.append(key)
        moment = month_start(moment, -1)
    return keys


def _period_rows(scope: Scope, grain: str, found: dict) -> list[Counts]:
    return [Counts(key, key, **found.get(key, {})) for key in _periods(scope, grain, set(found))]


def per_period(scope: Scope, grain: str) -> list[Counts]:
    """Papers received, desk-rejected, sent to review, accepted, rejected and withdrawn per month or year."""
    return _period_rows(scope, grain, _event_counts(scope, (grain,))[grain])


def totals(rows: list[Counts]) -> Counts:
    """The period's whole: the sum of its months (or years)."""
    whole = Counts("total", "")
    for row in rows:
        for kind in KINDS:
            setattr(whole, kind, getattr(whole, kind) + getattr(row, kind))
    return whole


# --- days -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Duration:
    """Days from submission to one step: papers, median and 80th percentile (None without papers)."""

    measure: str
    papers: int
    median: float | None
    p80: float | None


DURATION_GROUPS = {"all": "all", "section": "section_id", "editor": "editor_id"}


def _durations(scope: Scope, groupings: tuple[str, ...]) -> dict[str, dict[object, dict[str, Duration]]]:
    """{grouping: {group: {measure: Duration}}}, every percentile in one statement. The first decision is the
    decision on the first version (round 1), acceptance the accept decision, both found through the decisions'
    time index; publication the `submission.publish` (or `publish_online`) audit event; the papers joined once."""
    section = _section_condition(scope)
    sql = f"""
        WITH durations(measure, days, section_id, editor_id) AS (
            SELECT e.measure, {_days('e.at', 's.submitted_at')}, s.section_id, s.handling_editor_id
              FROM (SELECT 'first_decision' AS measure, created_at AS at, submission_id FROM decisions
                     WHERE round = 1 AND created_at >= :start AND created_at < :end
                    UNION ALL
                    SELECT 'acceptance', created_at, submission_id FROM decisions
                     WHERE kind = 'accept' AND created_at >= :start AND created_at < :end
                    UNION ALL
                    SELECT 'publication', created_at, subject_id FROM audit_events a
                     WHERE journal_id = :journal AND action IN ('submission.publish', 'submission.publish_online')
                       AND created_at >= :start AND created_at < :end AND subject_type = 'submission') AS e
              JOIN submissions s ON s.id = e.submission_id
             WHERE s.journal_id = :journal AND s.submitted_at IS NOT NULL{section}
        )
        {" UNION ALL ".join(_percentiles("durations", DURATION_GROUPS[g]) for g in groupings)}
    """
    names = {column: grouping for grouping, column in DURATION_GROUPS.items()}
    found: dict = {g: {} for g in groupings}
    for column, group, measure, papers, median, p80 in _run(sql, scope):
        found[names[column]].setdefault(group, {})[measure] = Duration(measure, papers, _rounded(median),
                                                                        _rounded(p80))
    return found


def _rounded(days) -> float | None:
    return None if days is None else round(float(days), 1)


def _times(found: dict) -> list[Duration]:
    return [found.get(m, Duration(m, 0, None, None)) for m in MEASURES]


def times(scope: Scope) -> list[Duration]:
    """Days to the first decision, to acceptance and to publication: median and 80th percentile."""
    return _times(_durations(scope, ("all",))["all"].get(None, {}))


# --- sections and editors -------------------------------------------------------------------------------------

def _section_labels(scope: Scope) -> dict:
    return dict(db.session.execute(text("SELECT id, title FROM sections WHERE journal_id = :journal "
                                        "ORDER BY position, id"), {"journal": scope.journal_id}).all())


def _editor_labels(ids: set) -> dict:
    """The handling editors' names, by family name."""
    ids = sorted(i for i in ids if i is not None)
    if not ids:
        return {}
    return dict(db.session.execute(text(
        "SELECT id, given_name || ' ' || family_name FROM users WHERE id IN :ids ORDER BY family_name, given_name, id"
    ).bindparams(bindparam("ids", expanding=True)), {"ids": ids}).all())


def _grouped(counts: dict, durations: dict, labels: dict) -> list[Counts]:
    keys = [k for k in labels if k in counts or k in durations] + sorted(
        (k for k in set(counts) | set(durations) if k not in labels), key=lambda k: (k is None, k or 0))
    return [Counts(k, labels.get(k, ""), **counts.get(k, {}), times=durations.get(k, {})) for k in keys]


def per_section(scope: Scope) -> list[Counts]:
    """Counts, acceptance rate and days per section (sections in the journal's order)."""
    return _grouped(_event_counts(scope, ("section",))["section"], _durations(scope, ("section",))["section"],
                    _section_labels(scope))


def per_editor(scope: Scope) -> list[Counts]:
    """Counts, acceptance rate and days per handling editor (by name; papers without one last)."""
    counts = _event_counts(scope, ("editor",))["editor"]
    durations = _durations(scope, ("editor",))["editor"]
    return _grouped(counts, durations, _editor_labels(set(counts) | set(durations)))


# --- reviewers ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewerFigures:
    """Invitations sent in the period by their answer, and reviews submitted in the period on time or late."""

    accepted: int
    declined: int
    unanswered: int
    on_time: int
    late: int

    @property
    def invitations(self) -> int:
        return self.accepted + self.declined + self.unanswered

    @property
    def reviews(self) -> int:
        return self.on_time + self.late


def reviewers(scope: Scope) -> ReviewerFigures:
    section = _section_condition(scope)
    sql = f"""
        SELECT
          sum(CASE WHEN r.what = 'invited' AND (r.status IN ('accepted', 'submitted')
                    OR (r.status = 'cancelled' AND r.responded_at IS NOT NULL)) THEN 1 ELSE 0 END),
          sum(CASE WHEN r.what = 'invited' AND r.status = 'declined' THEN 1 ELSE 0 END),
          sum(CASE WHEN r.what = 'invited' AND (r.status = 'invited'
                    OR (r.status = 'cancelled' AND r.responded_at IS NULL)) THEN 1 ELSE 0 END),
          sum(CASE WHEN r.what = 'reviewed' AND r.completed_at <= r.due_at THEN 1 ELSE 0 END),
          sum(CASE WHEN r.what = 'reviewed' AND r.completed_at > r.due_at THEN 1 ELSE 0 END)
          FROM (SELECT 'invited' AS what, submission_id, status, responded_at, completed_at, due_at
                  FROM review_assignments WHERE created_at >= :start AND created_at < :end
                UNION ALL
                SELECT 'reviewed', submission_id, status, responded_at, completed_at, due_at
                  FROM review_assignments WHERE completed_at >= :start AND completed_at < :end) AS r
          JOIN submissions s ON s.id = r.submission_id
         WHERE s.journal_id = :journal{section}
    """
    row = _run(sql, scope).one()
    return ReviewerFigures(*(int(v or 0) for v in row))


# --- the page -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    months: list[Counts]
    years: list[Counts]
    times: list[Duration]
    reviewers: ReviewerFigures
    sections: list[Counts]
    editors: list[Counts] | None


def figures(scope: Scope, *, months: bool = True, by_editor: bool = False) -> Figures:
    """Everything the page shows, in one statement for the counts, one for the days, one for the reviewers."""
    groupings = ("month",) * months + ("year", "section") + ("editor",) * by_editor
    counts = _event_counts(scope, groupings)
    durations = _durations(scope, ("all", "section") + ("editor",) * by_editor)
    editors = None
    if by_editor:
        editors = _grouped(counts["editor"], durations["editor"],
                           _editor_labels(set(counts["editor"]) | set(durations["editor"])))
    return Figures(
        months=_period_rows(scope, "month", counts["month"]) if months else [],
        years=_period_rows(scope, "year", counts["year"]),
        times=_times(durations["all"].get(None, {})),
        reviewers=reviewers(scope),
        sections=_grouped(counts["section"], durations["section"], _section_labels(scope)),
        editors=editors)
