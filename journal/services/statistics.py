"""How a journal is doing: its editors' figures, computed by SQL aggregates over the submissions, decisions, review
assignments and the audit trail (never loaded row by row into Python).

Each figure is counted in the period when it happened: a paper received in March and accepted in June counts as
received in March and accepted in June. A paper is counted once per month (or year, section, editor) for each kind
of event, so a revision sent to review again in the same month is one paper sent to review. Received: first
submission (`submitted_at`); desk-rejected, accepted and rejected: the decisions of those kinds; sent to review: the
`submission.send_to_review` audit events; withdrawn: `withdrawn_at`. The acceptance rate is accepted / (accepted +
rejected + desk-rejected). Days run from the first submission to the first decision of any kind, to acceptance and
to publication, for the papers that reached that step in the period; percentiles are interpolated as PostgreSQL's
`percentile_cont` does (SQLite gets the same interpolation written with window functions).

Every function answers one table, so a CSV download computes only the table it serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text

from journal.extensions import db
from journal.models import Journal, utcnow

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


# --- dialect-specific fragments: the only place where SQLite and PostgreSQL differ -----------------------------

def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _bucket(column: str, grain: str) -> str:
    if _postgres():
        return f"to_char({column} AT TIME ZONE 'UTC', '{'YYYY-MM' if grain == 'month' else 'YYYY'}')"
    return f"strftime('{'%Y-%m' if grain == 'month' else '%Y'}', {column})"


def _days(later: str, earlier: str) -> str:
    if _postgres():
        return f"EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0"
    return f"(julianday({later}) - julianday({earlier}))"


def _percentiles_select(source: str) -> str:
    """measure, grp, n and one column per PERCENTILES over `source`(measure, grp, days)."""
    if _postgres():
        columns = ", ".join(f"percentile_cont({p}) WITHIN GROUP (ORDER BY days)" for p in PERCENTILES)
        return f"SELECT measure, grp, count(*), {columns} FROM {source} GROUP BY measure, grp"

    def interpolated(p: float) -> str:
        lower = f"CAST(1 + {p} * (n - 1) AS INTEGER)"
        low = f"max(CASE WHEN rn = {lower} THEN days END)"
        high = f"coalesce(max(CASE WHEN rn = {lower} + 1 THEN days END), {low})"
        fraction = f"((1 + {p} * (max(n) - 1)) - CAST(1 + {p} * (max(n) - 1) AS INTEGER))"
        return f"{low} + {fraction} * ({high} - {low})"

    columns = ", ".join(interpolated(p) for p in PERCENTILES)
    return (f"SELECT measure, grp, max(n), {columns} FROM ("
            f"SELECT measure, grp, days, row_number() OVER (PARTITION BY measure, grp ORDER BY days) AS rn, "
            f"count(*) OVER (PARTITION BY measure, grp) AS n FROM {source}) AS ranked GROUP BY measure, grp")


_GROUPS = {"section": "s.section_id", "editor": "s.handling_editor_id", None: "NULL"}


def _section_condition(scope: Scope) -> str:
    return " AND s.section_id = :section" if scope.section_id is not None else ""


# --- counts ---------------------------------------------------------------------------------------------------

def _event_counts(scope: Scope, group: str) -> dict[tuple, dict[str, int]]:
    """{group value: {kind: papers}} for the scope, `group` an SQL expression over the submission `s` and the
    event's time `at`."""
    section = _section_condition(scope)
    sql = f"""
        WITH events(kind, grp, submission_id) AS (
            SELECT 'received', {group.format(at='s.submitted_at')}, s.id FROM submissions s
             WHERE s.journal_id = :journal AND s.submitted_at >= :start
               AND s.submitted_at < :end{section}
            UNION ALL
            SELECT 'withdrawn', {group.format(at='s.withdrawn_at')}, s.id FROM submissions s
             WHERE s.journal_id = :journal AND s.withdrawn_at >= :start AND s.withdrawn_at < :end{section}
            UNION ALL
            SELECT CASE d.kind WHEN 'desk_reject' THEN 'desk_rejected' WHEN 'accept' THEN 'accepted'
                   ELSE 'rejected' END, {group.format(at='d.created_at')}, s.id
              FROM decisions d JOIN submissions s ON s.id = d.submission_id
             WHERE s.journal_id = :journal AND d.kind IN ('desk_reject', 'accept', 'reject')
               AND d.created_at >= :start AND d.created_at < :end{section}
            UNION ALL
            SELECT 'sent_to_review', {group.format(at='a.created_at')}, s.id
              FROM audit_events a JOIN submissions s ON s.id = a.subject_id
             WHERE a.journal_id = :journal AND a.action = 'submission.send_to_review' AND a.subject_type = 'submission'
               AND a.created_at >= :start AND a.created_at < :end AND s.journal_id = :journal{section}
        )
        SELECT grp, kind, count(DISTINCT submission_id) FROM events GROUP BY grp, kind
    """
    found: dict = {}
    for grp, kind, count in db.session.execute(text(sql), scope.params()):
        found.setdefault(grp, dict.fromkeys(KINDS, 0))[kind] = count
    return found


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


def per_period(scope: Scope, grain: str) -> list[Counts]:
    """Papers received, desk-rejected, sent to review, accepted, rejected and withdrawn per month or year."""
    found = _event_counts(scope, _bucket("{at}", grain))
    return [Counts(key, key, **found.get(key, {})) for key in _periods(scope, grain, set(found))]


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


def _durations(scope: Scope, by: str | None) -> dict[object, dict[str, Duration]]:
    group = _GROUPS[by]
    section = _section_condition(scope)
    source = f"""(
        SELECT 'first_decision' AS measure, {group} AS grp, {_days('f.at', 's.submitted_at')} AS days
          FROM (SELECT d.submission_id, min(d.created_at) AS at FROM decisions d
                  JOIN submissions s ON s.id = d.submission_id
                 WHERE s.journal_id = :journal AND d.created_at < :end{section}
                 GROUP BY d.submission_id) AS f
          JOIN submissions s ON s.id = f.submission_id
         WHERE f.at >= :start AND s.submitted_at IS NOT NULL
        UNION ALL
        SELECT 'acceptance', {group}, {_days('s.accepted_at', 's.submitted_at')} FROM submissions s
         WHERE s.journal_id = :journal AND s.accepted_at >= :start AND s.accepted_at < :end
           AND s.submitted_at IS NOT NULL{section}
        UNION ALL
        SELECT 'publication', {group}, {_days('s.published_at', 's.submitted_at')} FROM submissions s
         WHERE s.journal_id = :journal AND s.published_at >= :start AND s.published_at < :end
           AND s.submitted_at IS NOT NULL{section}
    ) AS durations"""
    found: dict = {}
    for measure, grp, papers, median, p80 in db.session.execute(text(_percentiles_select(source)), scope.params()):
        found.setdefault(grp, {})[measure] = Duration(measure, papers, _rounded(median), _rounded(p80))
    return found


def _rounded(days) -> float | None:
    return None if days is None else round(float(days), 1)


def times(scope: Scope) -> list[Duration]:
    """Days to the first decision, to acceptance and to publication: median and 80th percentile."""
    found = _durations(scope, None).get(None, {})
    return [found.get(m, Duration(m, 0, None, None)) for m in MEASURES]


# --- sections and editors -------------------------------------------------------------------------------------

def _grouped(scope: Scope, by: str, labels: dict) -> list[Counts]:
    counts = _event_counts(scope, _GROUPS[by])
    durations = _durations(scope, by)
    keys = [k for k in labels if k in counts or k in durations] + sorted(
        (k for k in set(counts) | set(durations) if k not in labels), key=lambda k: (k is None, k or 0))
    return [Counts(k, labels.get(k, ""), **counts.get(k, {}), times=durations.get(k, {})) for k in keys]


def per_section(scope: Scope) -> list[Counts]:
    """Counts, acceptance rate and days per section (sections in the journal's order)."""
    labels = dict(db.session.execute(text("SELECT id, title FROM sections WHERE journal_id = :journal "
                                          "ORDER BY position, id"), {"journal": scope.journal_id}).all())
    return _grouped(scope, "section", labels)


def per_editor(scope: Scope) -> list[Counts]:
    """Counts, acceptance rate and days per handling editor (by name; papers without one last)."""
    labels = dict(db.session.execute(text(
        "SELECT u.id, u.given_name || ' ' || u.family_name FROM users u WHERE u.id IN "
        "(SELECT handling_editor_id FROM submissions WHERE journal_id = :journal) "
        "ORDER BY u.family_name, u.given_name, u.id"), {"journal": scope.journal_id}).all())
    return _grouped(scope, "editor", labels)


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
          sum(CASE WHEN r.created_at >= :start AND (r.status IN ('accepted', 'submitted')
                    OR (r.status = 'cancelled' AND r.responded_at IS NOT NULL)) THEN 1 ELSE 0 END),
          sum(CASE WHEN r.created_at >= :start AND r.status = 'declined' THEN 1 ELSE 0 END),
          sum(CASE WHEN r.created_at >= :start AND (r.status = 'invited'
                    OR (r.status = 'cancelled' AND r.responded_at IS NULL)) THEN 1 ELSE 0 END),
          sum(CASE WHEN r.completed_at >= :start AND r.completed_at < :end AND r.completed_at <= r.due_at
                   THEN 1 ELSE 0 END),
          sum(CASE WHEN r.completed_at >= :start AND r.completed_at < :end AND r.completed_at > r.due_at
                   THEN 1 ELSE 0 END)
          FROM review_assignments r JOIN submissions s ON s.id = r.submission_id
         WHERE s.journal_id = :journal{section}
           AND ((r.created_at >= :start AND r.created_at < :end)
                OR (r.completed_at >= :start AND r.completed_at < :end AND r.status = 'submitted'))
    """
    row = db.session.execute(text(sql), scope.params()).one()
    return ReviewerFigures(*(int(v or 0) for v in row))
