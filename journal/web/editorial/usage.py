"""What readers read: the journal's monthly usage report (COUNTER figures, journal/services/usage.py) for its
managing editors, per journal or for one article, as a table, a chart and CSVs."""

from flask import render_template, request
from flask_babel import gettext as _

from journal.models import Article, Journal, utcnow
from journal.extensions import db
from journal.permissions import journal_from_slug, permission
from journal.services import usage
from journal.web.charts import line_chart
from journal.web.editorial.blueprint import bp
from journal.web.editorial.statistics import csv_response

YEARS_OFFERED = 6


def metric_labels() -> dict[str, str]:
    return {"total_item_investigations": _("Views (total)"), "unique_item_investigations": _("Views (unique)"),
            "total_item_requests": _("Downloads (total)"), "unique_item_requests": _("Downloads (unique)")}


def _scope(journal: Journal) -> tuple[str, list, Article | None]:
    """The period (`period`: "12m", the default, or a year) and optionally one article of the journal."""
    period = request.args.get("period", "12m")
    if not (period.isdigit() and 1900 < int(period) < 3000):
        period = "12m"
    article = None
    if (article_id := request.args.get("article", type=int)) is not None:
        article = db.session.get(Article, article_id)
        if article is None or article.journal_id != journal.id or article.published_at is None:
            article = None
    return period, usage.period_months(period), article


@bp.get("/<slug>/usage")
@permission("journal.usage", load=journal_from_slug)
def usage_report(journal: Journal):
    period, months, article = _scope(journal)
    figures = usage.report(journal, months, article.id if article else None)
    labels = metric_labels()
    chart = line_chart(_("Views and downloads per month"), [m.label for m in figures.months],
                       [(labels[k], [getattr(m, k) for m in figures.months])
                        for k in ("total_item_investigations", "total_item_requests")])
    this_year = utcnow().year
    years = list(range(this_year, this_year - YEARS_OFFERED, -1))
    return render_template("editorial/usage.html", journal=journal, period=period, article=article,
                           figures=figures, labels=labels, chart=chart, years=years)


@bp.get("/<slug>/usage/months.csv")
@permission("journal.usage", load=journal_from_slug)
def usage_months_csv(journal: Journal):
    period, months, article = _scope(journal)
    figures = usage.report(journal, months, article.id if article else None)
    name = f"{journal.slug}-usage-months-{period}" + (f"-article-{article.id}" if article else "")
    return csv_response(f"{name}.csv", ["month", *usage.METRICS],
                        [[m.label, *(getattr(m, k) for k in usage.METRICS)] for m in figures.months])


@bp.get("/<slug>/usage/articles.csv")
@permission("journal.usage", load=journal_from_slug)
def usage_articles_csv(journal: Journal):
    period, months, _article = _scope(journal)
    rows = usage.article_months(journal, months)
    return csv_response(f"{journal.slug}-usage-articles-{period}.csv",
                        ["article_id", "doi", "title", "month", *usage.METRICS],
                        [[r.article_id, r.doi, r.label, f"{r.month:%Y-%m}", *(getattr(r, k) for k in usage.METRICS)]
                         for r in rows])
