"""How the journal is doing: every figure of the statistics page checked on a small hand-built journal whose answers
are worked out by hand below (on SQLite and on PostgreSQL), who may see the page and its CSVs, and the page itself.

The journal, all in 2025 unless said (sections A = Research Article, B = Letter; editors One and Two):

    paper  section editor  submitted   then
    S1     A       One     01-10       sent to review 01-15, accepted 03-01 (50 days), published 04-10 (90 days)
    S2     A       One     01-20       rejected without review 01-30 (10 days)
    S3     B       Two     02-05       sent to review 02-10, minor revision 03-07 (30 days), revision sent to
                                       review 03-20, accepted 04-06 (60 days)
    S4     B       Two     02-14       sent to review 02-20, rejected 04-15 (60 days)
    S5     A       —       03-01       withdrawn 03-11
    S6     A       One     2024-12-20  rejected without review 2025-01-09 (20 days)

Days to the first decision in 2025: 10, 20, 30, 50, 60: median 30, 80th percentile 50 + 0.2 × 10 = 52.
Days to acceptance: 50, 60: median 55, 80th percentile 58. To publication: 90.
Reviewer invitations of 2025: accepted 3 (R1 reviewed on time, R3 late, R6 still writing), declined 1 (R2),
unanswered 2 (R4 still invited, R5 cancelled without an answer).
"""

import csv
import io
from datetime import UTC, datetime

import pytest

from journal.extensions import db
from journal.models import (AuditEvent, Decision, DecisionKind, ReviewAssignment, ReviewRound, Role, Submission,
                            SubmissionStatus)
from journal.services import statistics

S = SubmissionStatus


def day(month: int, dom: int, year: int = 2025) -> datetime:
    return datetime(year, month, dom, 9, 30, tzinfo=UTC)


@pytest.fixture
def known(make_journal, make_user):
    journal = make_journal(title="Journal of Known Answers")
    a, b = journal.sections
    manager = make_user(given_name="Mia", family_name="Manager", roles={journal: Role.MANAGING_EDITOR})
    one = make_user(given_name="Ed", family_name="One", roles={journal: Role.EDITOR})
    two = make_user(given_name="Ed", family_name="Two", roles={journal: Role.EDITOR})
    author = make_user(given_name="Anna", family_name="Author")
    reviewer = make_user(given_name="Rita", family_name="Reviewer", roles={journal: Role.REVIEWER})
    papers = {}

    def paper(name, section, editor, submitted, status, **milestones):
        s = Submission(journal=journal, section=section, submitter=author, handling_editor=editor, title=name,
                       reference=f"{journal.reference_prefix}-{name}", status=status, current_round=1,
                       created_at=submitted, submitted_at=submitted, status_changed_at=submitted, **milestones)
        db.session.add(s)
        db.session.flush()
        papers[name] = s
        return s

    def decision(s, kind, at, round_=1):
        db.session.add(Decision(submission=s, round=round_, editor=s.handling_editor, kind=kind, letter="Letter.",
                                created_at=at))

    def event(s, action, at, **payload):
        db.session.add(AuditEvent(action=f"submission.{action}", subject_type="submission", subject_id=s.id,
                                  journal_id=journal.id, created_at=at, payload=payload))

    def sent_to_review(s, at, round_=1):
        event(s, "send_to_review", at, round=round_, **{"from": "submitted", "to": "under_review"})

    s1 = paper("S1", a, one, day(1, 10), S.PUBLISHED, accepted_at=day(3, 1), published_at=day(4, 10))
    event(s1, "publish_online", day(4, 10))
    sent_to_review(s1, day(1, 15))
    decision(s1, DecisionKind.ACCEPT, day(3, 1))
    s2 = paper("S2", a, one, day(1, 20), S.REJECTED, rejected_at=day(1, 30))
    decision(s2, DecisionKind.DESK_REJECT, day(1, 30))
    s3 = paper("S3", b, two, day(2, 5), S.ACCEPTED, accepted_at=day(4, 6))
    sent_to_review(s3, day(2, 10))
    decision(s3, DecisionKind.MINOR_REVISION, day(3, 7))
    sent_to_review(s3, day(3, 20), 2)  # the revision, reviewed again: S3 was sent to review in February, once
    decision(s3, DecisionKind.ACCEPT, day(4, 6), 2)
    s4 = paper("S4", b, two, day(2, 14), S.REJECTED, rejected_at=day(4, 15))
    sent_to_review(s4, day(2, 20))
    decision(s4, DecisionKind.REJECT, day(4, 15))
    event(paper("S5", a, None, day(3, 1), S.WITHDRAWN, withdrawn_at=day(3, 11)), "withdraw", day(3, 11))
    s6 = paper("S6", a, one, day(12, 20, 2024), S.REJECTED, rejected_at=day(1, 9))
    decision(s6, DecisionKind.DESK_REJECT, day(1, 9))
    # A paper of another journal counts nowhere here.
    other = make_journal()
    db.session.add(Submission(journal=other, submitter=author, title="Elsewhere", status=S.SUBMITTED,
                              submitted_at=day(2, 2), reference="ELSEWHERE-1"))

    number = 0

    def invitation(s, status, invited, due, responded=None, completed=None):
        nonlocal number
        number += 1
        round_ = db.session.query(ReviewRound).filter_by(submission_id=s.id, number=1).first()
        if round_ is None:
            round_ = ReviewRound(submission=s, number=1, opened_at=invited)
            db.session.add(round_)
            db.session.flush()
        db.session.add(ReviewAssignment(
            round_id=round_.id, submission_id=s.id, reviewer_id=reviewer.id if number == 1 else None,
            invitee_email=f"r{number}@example.org", status=status, token_hash=f"{journal.id}-{number}".ljust(64, "0"),
            respond_by=due, due_at=due, label_number=number, created_at=invited, responded_at=responded,
            completed_at=completed))

    invitation(s1, "submitted", day(1, 16), day(2, 15), day(1, 17), day(2, 10))  # R1 on time
    invitation(s1, "declined", day(1, 16), day(2, 15), day(1, 18))  # R2
    invitation(s3, "submitted", day(2, 11), day(3, 1), day(2, 12), day(3, 5))  # R3 late
    invitation(s3, "invited", day(2, 11), day(3, 1))  # R4 unanswered
    invitation(s4, "cancelled", day(2, 21), day(3, 20))  # R5 cancelled unanswered
    invitation(s4, "accepted", day(2, 21), day(3, 20), day(2, 22))  # R6 writing
    db.session.commit()
    return {"journal": journal, "manager": manager, "one": one, "two": two, "author": author,
            "reviewer": reviewer, "a": a, "b": b, "papers": papers}


def figures(row) -> tuple:
    return tuple(getattr(row, k) for k in statistics.KINDS)


def test_counts_per_month(known):
    months = statistics.per_period(statistics.year_scope(known["journal"], 2025), "month")
    assert [m.label for m in months] == [f"2025-{m:02d}" for m in range(1, 13)]
    #                 received desk sent acc rej withdrawn
    assert figures(months[0]) == (2, 2, 1, 0, 0, 0)
    assert figures(months[1]) == (2, 0, 2, 0, 0, 0)
    assert figures(months[2]) == (1, 0, 0, 1, 0, 1)
    assert figures(months[3]) == (0, 0, 0, 1, 1, 0)
    assert all(figures(m) == (0,) * 6 for m in months[4:])


def test_counts_per_year_and_the_acceptance_rate(known):
    years = statistics.per_period(statistics.all_years(known["journal"], now=day(6, 1)), "year")
    assert [(y.label, figures(y)) for y in years] == [("2024", (1, 0, 0, 0, 0, 0)), ("2025", (5, 2, 3, 2, 1, 1))]
    whole = statistics.totals(years)
    assert whole.received == 6 and whole.decided == 5
    assert whole.acceptance_rate == pytest.approx(0.4)


def test_the_last_twelve_months_start_eleven_months_back(known):
    scope = statistics.last_twelve_months(known["journal"], now=day(2, 14, 2026))
    months = statistics.per_period(scope, "month")
    assert months[0].label == "2025-03" and months[-1].label == "2026-02" and len(months) == 12
    assert sum(m.received for m in months) == 1  # S5


def test_days_median_and_80th_percentile(known):
    times = {t.measure: t for t in statistics.times(statistics.year_scope(known["journal"], 2025))}
    assert (times["first_decision"].papers, times["first_decision"].median, times["first_decision"].p80) == (5, 30, 52)
    assert (times["acceptance"].papers, times["acceptance"].median, times["acceptance"].p80) == (2, 55, 58)
    assert (times["publication"].papers, times["publication"].median, times["publication"].p80) == (1, 90, 90)


def test_days_without_papers_are_empty(known):
    times = statistics.times(statistics.year_scope(known["journal"], 2023))
    assert [(t.papers, t.median, t.p80) for t in times] == [(0, None, None)] * 3


def test_reviewer_invitations_and_reviews(known):
    figures_ = statistics.reviewers(statistics.year_scope(known["journal"], 2025))
    assert (figures_.accepted, figures_.declined, figures_.unanswered) == (3, 1, 2)
    assert (figures_.on_time, figures_.late) == (1, 1)


def test_per_section(known):
    rows = {r.label: r for r in statistics.per_section(statistics.year_scope(known["journal"], 2025))}
    assert figures(rows["Research Article"]) == (3, 2, 1, 1, 0, 1)
    assert rows["Research Article"].acceptance_rate == pytest.approx(1 / 3)
    first = rows["Research Article"].times["first_decision"]
    assert (first.median, first.p80) == (20, 38)
    assert figures(rows["Letter"]) == (2, 0, 2, 1, 1, 0)
    assert (rows["Letter"].times["first_decision"].median, rows["Letter"].times["first_decision"].p80) == (45, 54)


def test_per_handling_editor(known):
    rows = {r.label: r for r in statistics.per_editor(statistics.year_scope(known["journal"], 2025))}
    assert set(rows) == {"Ed One", "Ed Two", ""}
    assert figures(rows["Ed One"]) == (2, 2, 1, 1, 0, 0)
    assert rows["Ed One"].times["first_decision"].median == 20
    assert figures(rows["Ed Two"]) == (2, 0, 2, 1, 1, 0)
    assert figures(rows[""]) == (1, 0, 0, 0, 0, 1)  # S5, never assigned


def test_one_section_only(known):
    scope = statistics.year_scope(known["journal"], 2025, known["b"].id)
    assert figures(statistics.totals(statistics.per_period(scope, "year"))) == (2, 0, 2, 1, 1, 0)
    times = {t.measure: t for t in statistics.times(scope)}
    assert times["first_decision"].median == 45
    assert statistics.reviewers(scope).declined == 0


# --- the page ---------------------------------------------------------------------------------------------------

def test_an_editor_reads_the_page_with_charts_and_tables(client, login, known):
    login(known["one"])
    response = client.get(f"/editorial/{known['journal'].slug}/statistics?period=2025")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('<svg class="chart') == 3 and 'role="img"' in page and "<title id=" in page
    assert page.count("<table") >= 5
    assert "<script" not in page and len(response.data) < 100_000
    assert "Per section" in page and "Per handling editor" not in page  # only managing editors compare editors
    assert "editors.csv" not in page
    assert "40 %" in page  # the acceptance rate


def test_the_managing_editor_sees_the_table_per_editor(client, login, known):
    login(known["manager"])
    page = client.get(f"/editorial/{known['journal'].slug}/statistics?period=2025").get_data(as_text=True)
    assert "Per handling editor" in page and "Ed Two" in page and "No handling editor" in page


def test_the_default_period_and_every_choice_answer(client, login, known):
    login(known["manager"])
    base = f"/editorial/{known['journal'].slug}/statistics"
    for query in ("", "?period=all", "?period=2024", f"?period=2025&section={known['a'].id}", "?period=nonsense",
                  "?section=999999"):
        response = client.get(base + query)
        assert response.status_code == 200, query
        assert 'role="img"' in response.get_data(as_text=True)
    assert 'value="12m" selected' in client.get(base).get_data(as_text=True)


@pytest.mark.parametrize("who", ["author", "reviewer"])
def test_authors_and_reviewers_are_refused(client, login, known, who):
    login(known[who])
    slug = known["journal"].slug
    for url in (f"/editorial/{slug}/statistics", f"/editorial/{slug}/statistics/reviewers.csv",
                f"/editorial/{slug}/statistics/editors.csv"):
        assert client.get(url).status_code == 403, url


def test_visitors_log_in_first(client, known):
    response = client.get(f"/editorial/{known['journal'].slug}/statistics")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_managing_editors_download_the_figures_per_editor(client, login, known):
    url = f"/editorial/{known['journal'].slug}/statistics/editors.csv?period=2025"
    login(known["one"])
    assert client.get(url).status_code == 403
    login(known["manager"])
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    one = next(r for r in rows if r["handling_editor"] == "Ed One")
    assert (one["received"], one["desk_rejected"], one["first_decision_median_days"]) == ("2", "2", "20.0")


def read_csv(client, known, name, query="?period=2025"):
    response = client.get(f"/editorial/{known['journal'].slug}/statistics/{name}.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_each_csv_holds_its_table(client, login, known):
    login(known["one"])
    months = read_csv(client, known, "months")
    assert len(months) == 12 and months[0] == {"month": "2025-01", "received": "2", "desk_rejected": "2",
                                               "sent_to_review": "1", "accepted": "0", "rejected": "0",
                                               "withdrawn": "0", "acceptance_rate": "0.000"}
    years = read_csv(client, known, "years", "?period=all")
    assert [(y["year"], y["received"]) for y in years][:2] == [("2024", "1"), ("2025", "5")]
    times = {t["measure"]: t for t in read_csv(client, known, "times")}
    assert (times["first_decision"]["median_days"], times["first_decision"]["p80_days"]) == ("30.0", "52.0")
    assert read_csv(client, known, "reviewers") == [{"invitations_accepted": "3", "invitations_declined": "1",
                                                     "invitations_unanswered": "2", "reviews_on_time": "1",
                                                     "reviews_late": "1"}]
    sections = {s["section"]: s for s in read_csv(client, known, "sections")}
    assert sections["Letter"]["acceptance_rate"] == "0.500" and sections["Letter"]["first_decision_p80_days"] == "54.0"


def test_a_csv_computes_only_its_table(app, client, login, known):
    from sqlalchemy import event

    login(known["one"])
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        read_csv(client, known, "reviewers")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    figures_ = [s for s in statements if "review_assignments" in s or "decisions" in s or "audit_events" in s]
    assert len(figures_) == 1, figures_


def test_the_queue_office_and_home_link_to_the_page(client, login, known):
    login(known["one"])
    slug = known["journal"].slug
    target = f'href="/editorial/{slug}/statistics"'
    assert "How the journal is doing: statistics" in client.get(f"/editorial/{slug}/").get_data(as_text=True)
    assert target in client.get(f"/editorial/{slug}/").get_data(as_text=True)
    assert target in client.get("/editorial/").get_data(as_text=True)
    assert target in client.get("/home").get_data(as_text=True)
    login(known["author"])
    assert "/statistics" not in client.get("/home").get_data(as_text=True)


def test_the_services_leave_what_the_statistics_count(make_journal, make_user):
    """Through the real services, not hand-made rows: the audit events and decisions the figures are read from."""
    from journal.models import utcnow
    from journal.services import editorial
    from journal.services import submissions as submission_service
    from tests.papers import submit_paper

    journal = make_journal()
    manager = make_user(roles={journal: Role.MANAGING_EDITOR})
    author = make_user()
    reviewed, rejected, withdrawn = (submit_paper(author, journal, title=t) for t in ("One", "Two", "Three"))
    editorial.send_to_review(manager, reviewed)
    editorial.desk_reject(manager, rejected, letter="Outside the journal's scope, I am afraid.")
    submission_service.withdraw(author, withdrawn, reason="Sent elsewhere.")
    editorial.decide(manager, reviewed, kind=DecisionKind.ACCEPT, letter="We are glad to accept your paper.",
                     override_reason="The reviewers wrote to the editor directly.")
    scope = statistics.last_twelve_months(journal)
    assert figures(statistics.totals(statistics.per_period(scope, "year"))) == (3, 1, 1, 1, 0, 1)
    times = {t.measure: t for t in statistics.times(scope)}
    assert times["first_decision"].papers == 2 and times["acceptance"].papers == 1
    assert 0 <= times["first_decision"].median < 1
    assert scope.start <= utcnow() < scope.end


def test_a_name_a_spreadsheet_would_run_is_quoted_in_the_csv(client, login, known):
    known["one"].given_name = "=HYPERLINK(\"http://evil.example\")"
    db.session.commit()
    login(known["manager"])
    rows = read_csv(client, known, "editors")
    assert any(r["handling_editor"].startswith("'=HYPERLINK") for r in rows), rows
