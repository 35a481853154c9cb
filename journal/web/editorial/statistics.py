"""How the journal is doing: its statistics page and the CSV of each table (journal/services/statistics.py)."""

import csv
import io

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from journal.models import Journal, utcnow
from journal.permissions import can, journal_from_slug, permission
from journal.services import statistics
from journal.web.charts import bar_chart, line_chart
from journal.web.editorial.blueprint import bp


def _scope(journal: Journal) -> tuple[statistics.Scope, str, int | None]:
    """The period and section the query string asks for: `period` is "12m" (the default), a year or "all"."""
    section = request.args.get("section", type=int)
    if section is not None and section not in {s.id for s in journal.sections}:
        section = None
    period = request.args.get("period", "12m")
    if period == "all":
        return statistics.all_years(journal, section), period, section
    if period.isdigit() and 1900 < int(period) < 3000:
        return statistics.year_scope(journal, int(period), section), period, section
    return statistics.last_twelve_months(journal, section), "12m", section


def measure_labels() -> dict[str, str]:
    return {"first_decision": _("First decision"), "acceptance": _("Acceptance"), "publication": _("Publication")}


def kind_labels() -> dict[str, str]:
    return {"received": _("Received"), "desk_rejected": _("Rejected without review"),
            "sent_to_review": _("Sent to review"), "accepted": _("Accepted"), "rejected": _("Rejected after review"),
            "withdrawn": _("Withdrawn")}


@bp.get("/<slug>/statistics")
@permission("journal.statistics", load=journal_from_slug)
def statistics_page(journal: Journal):
    scope, period, section = _scope(journal)
    by_editor = can(current_user, "journal.statistics_by_editor", journal)
    figures = statistics.figures(scope, months=period != "all", by_editor=by_editor)
    months, years, times = figures.months, figures.years, figures.times
    kinds = kind_labels()
    charts = {
        "years": bar_chart(_("Papers per year"), [y.label for y in years],
                           [(kinds[k], [getattr(y, k) for y in years]) for k in ("received", "accepted")]),
        "times": bar_chart(_("Days from submission"), [measure_labels()[t.measure] for t in times],
                           [(_("Median"), [t.median for t in times]), (_("80th percentile"), [t.p80 for t in times])]),
    }
    if months:
        charts["months"] = line_chart(_("Papers per month"), [m.label for m in months],
                                      [(kinds[k], [getattr(m, k) for m in months]) for k in ("received", "accepted")])
    first = statistics.first_year(journal)
    return render_template(
        "editorial/statistics.html", journal=journal, period=period, section=section, months=months, years=years,
        whole=statistics.totals(years), times=times, reviewers=figures.reviewers, sections=figures.sections,
        editors=figures.editors, charts=charts, kinds=kinds,
        measures=measure_labels(), years_offered=list(range(utcnow().year, first - 1, -1)) if first else [])


def _counts_rows(rows: list[statistics.Counts], key: str) -> tuple[list[str], list[list]]:
    header = [key, *statistics.KINDS, "acceptance_rate"]
    return header, [[r.label, *(getattr(r, k) for k in statistics.KINDS), _rate(r.acceptance_rate)] for r in rows]


def _grouped_rows(rows: list[statistics.Counts], key: str) -> tuple[list[str], list[list]]:
    header, lines = _counts_rows(rows, key)
    header += [f"{m}_{p}" for m in statistics.MEASURES for p in ("median_days", "p80_days")]
    for row, line in zip(rows, lines):
        line += [getattr(row.times.get(m), p, None) for m in statistics.MEASURES for p in ("median", "p80")]
    return header, lines


def _reviewer_rows(r: statistics.ReviewerFigures) -> tuple[list[str], list[list]]:
    return (["invitations_accepted", "invitations_declined", "invitations_unanswered", "reviews_on_time",
             "reviews_late"], [[r.accepted, r.declined, r.unanswered, r.on_time, r.late]])


def _rate(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.3f}"


TABLES = {
    "months": lambda scope: _counts_rows(statistics.per_period(scope, "month"), "month"),
    "years": lambda scope: _counts_rows(statistics.per_period(scope, "year"), "year"),
    "times": lambda scope: (["measure", "papers", "median_days", "p80_days"],
                            [[t.measure, t.papers, t.median, t.p80] for t in statistics.times(scope)]),
    "reviewers": lambda scope: _reviewer_rows(statistics.reviewers(scope)),
    "sections": lambda scope: _grouped_rows(statistics.per_section(scope), "section"),
    "editors": lambda scope: _grouped_rows(statistics.per_editor(scope), "handling_editor"),
}


def csv_cell(value) -> object:
    """A CSV cell; text a spreadsheet would run as a formula (a name typed as "=HYPERLINK(…)") is quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows: list[list]) -> Response:
    """A table as a CSV download."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _csv(journal: Journal, name: str) -> Response:
    scope, period, _section = _scope(journal)
    header, rows = TABLES[name](scope)
    return csv_response(f"{journal.slug}-statistics-{name}-{period}.csv", header, rows)


@bp.get("/<slug>/statistics/<any(months, years, times, reviewers, sections):name>.csv")
@permission("journal.statistics", load=journal_from_slug)
def statistics_csv(journal: Journal, name: str):
    return _csv(journal, name)


@bp.get("/<slug>/statistics/editors.csv")
@permission("journal.statistics_by_editor", load=journal_from_slug)
def statistics_by_editor_csv(journal: Journal):
    return _csv(journal, "editors")
