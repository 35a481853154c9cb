"""The editorial queue: who sees which submissions, filters, what needs whose action, overdue reviews, paging,
a fixed number of queries per page, and no author names."""

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from journal.extensions import db
from journal.models import (Article, ArticleStatus, AssignmentStatus, Contributor, DecisionKind, EditorRecommendation, ReviewAssignment,
                            ReviewMode, ReviewRound, Role, Submission, SubmissionStatus, utcnow)

S, A = SubmissionStatus, AssignmentStatus
_numbers = itertools.count(1)


@pytest.fixture
def office(make_journal, make_user):
    journal = make_journal("jdse", title="Journal of Deep Space Exploration", reference_prefix="JDSE",
                           reviews_required=2, sections=("Research Article", "Letter"))
    people = {
        "manager": make_user(given_name="Maria", family_name="Manager", roles={journal: Role.MANAGING_EDITOR}),
        "editor": make_user(given_name="Ada", family_name="Okafor", roles={journal: Role.EDITOR}),
        "other_editor": make_user(given_name="Olu", family_name="Other", roles={journal: Role.EDITOR}),
        "author": make_user("mei@example.org", given_name="Mei", family_name="Chen"),
    }
    return journal, people


@pytest.fixture
def make_paper(office):
    """A submission written straight into the database, with its rounds and current-round assignments:
    `reviews=[("submitted", {}), ("accepted", {"due_at": yesterday})]`."""
    journal, people = office

    def make(status=S.SUBMITTED, *, editor=None, round=1, section=0, title=None, days=1, submitted_days=None,
             reviews=(), journal=journal, author=None, earlier_reviews=()) -> Submission:
        n = next(_numbers)
        now = utcnow()
        submission = Submission(
            journal=journal, section=journal.sections[section], submitter=author or people["author"],
            reference=f"{journal.reference_prefix}-2026-{n:04d}", title=title or f"Paper number {n}",
            status=status, current_round=round, handling_editor=editor,
            status_changed_at=now - timedelta(days=days, minutes=n),
            submitted_at=now - timedelta(days=submitted_days if submitted_days is not None else days + 30),
        )
        submission.contributors = [Contributor(given_name="Mei", family_name="Chen", email="mei@example.org",
                                               is_corresponding=True, position=0),
                                   Contributor(given_name="Kenji", family_name="Watanabe",
                                               email="kenji@example.org", position=1)]
        submission.rounds = [ReviewRound(number=r) for r in range(1, round + 1)]
        db.session.add(submission)
        db.session.flush()
        for number, specs in ((round, reviews), (round - 1, earlier_reviews)):
            for label, (assignment_status, fields) in enumerate(specs, start=1):
                db.session.add(ReviewAssignment(
                    round=submission.rounds[number - 1], submission=submission, invitee_email=f"r{label}@example.org",
                    status=A(assignment_status), token_hash=f"{n:08d}{number:04d}{label:04d}".ljust(64, "0"),
                    respond_by=fields.get("respond_by", now + timedelta(days=5)),
                    due_at=fields.get("due_at", now + timedelta(days=20)), label_number=label,
                    proposed_due_at=fields.get("proposed_due_at")))
        db.session.commit()
        return submission

    return make


def queue(client, **args):
    response = client.get("/editorial/jdse/", query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def rows(page: str) -> dict[str, dict]:
    """The table's rows by reference: title, status, days, editor, reviews, actions."""
    found = {}
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        found[cells[0]] = dict(zip(["title", "section", "status", "days", "editor", "reviews", "actions"], cells[1:]))
    return found


def refs(page: str) -> list[str]:
    return list(rows(page))


def test_a_managing_editor_sees_every_submission_and_an_editor_those_they_handle(client, login, office, make_paper,
                                                                               make_journal):
    journal, people = office
    mine = make_paper(editor=people["editor"])
    theirs = make_paper(S.UNDER_REVIEW, editor=people["other_editor"])
    nobody = make_paper()
    draft = make_paper(S.DRAFT)
    elsewhere = make_paper(journal=make_journal(reference_prefix="ELSE"))
    login(people["manager"])
    page = queue(client)
    assert set(refs(page)) == {mine.reference, theirs.reference, nobody.reference}
    assert draft.reference not in page and elsewhere.reference not in page
    assert 'id="editor"' in page  # managing editors filter by handling editor
    client.post("/logout")
    login(people["editor"])
    page = queue(client)
    assert refs(page) == [mine.reference]
    assert "The submissions you handle." in page and 'id="editor"' not in page
    assert refs(queue(client, editor=str(people["other_editor"].id))) == [mine.reference]  # no peeking


def test_status_tabs_count_under_the_other_filters_and_the_default_shows_active_ones(client, login, office,
                                                                                   make_paper):
    journal, people = office
    submitted = make_paper(section=0)
    reviewing = make_paper(S.UNDER_REVIEW, section=1)
    rejected = make_paper(S.REJECTED, section=1)
    published = make_paper(S.PUBLISHED, section=0)
    make_paper(S.DRAFT)
    login(people["manager"])
    page = queue(client)
    assert set(refs(page)) == {submitted.reference, reviewing.reference}
    assert ">Active (2)<" in page and ">Rejected (1)<" in page and ">All (4)<" in page and ">Draft" not in page
    assert refs(queue(client, status="rejected")) == [rejected.reference]
    assert set(refs(queue(client, status="all"))) == {submitted.reference, reviewing.reference, rejected.reference,
                                                     published.reference}
    assert set(refs(queue(client, status="draft"))) == {submitted.reference, reviewing.reference}  # not a tab
    letters = queue(client, section=str(journal.sections[1].id))
    assert refs(letters) == [reviewing.reference]
    assert ">Active (1)<" in letters and ">Rejected (1)<" in letters and ">All (2)<" in letters
    # The tabs keep the other filters.
    assert f'href="/editorial/jdse/?status=rejected&amp;section={journal.sections[1].id}"' in letters


def _in_production(submission, *, published=False):
    """Production started: the paper's article, published or not."""
    db.session.add(Article(journal_id=submission.journal_id, submission=submission, section_id=submission.section_id,
                           status=ArticleStatus.PUBLISHED if published else ArticleStatus.IN_PRODUCTION,
                           published_at=utcnow() if published else None, proof_corrections="",
                           retraction_notice=""))
    db.session.commit()
    return submission


def test_the_in_production_tab_lists_accepted_papers_whose_production_started(client, login, office, make_paper):
    journal, people = office
    waiting = make_paper(S.ACCEPTED, section=0)  # accepted, production not started
    producing = _in_production(make_paper(S.ACCEPTED, section=0, editor=people["editor"]))
    scheduled = _in_production(make_paper(S.SCHEDULED, section=1))
    _in_production(make_paper(S.PUBLISHED, section=0), published=True)
    make_paper(S.UNDER_REVIEW, section=0)
    login(people["manager"])
    page = queue(client)
    assert ">In production (2)<" in page and ">Accepted (2)<" in page and ">Scheduled (1)<" in page
    assert page.index(">Accepted (2)<") < page.index(">In production (2)<") < page.index(">Scheduled (1)<")
    production = queue(client, status="production")
    assert set(refs(production)) == {producing.reference, scheduled.reference}
    assert waiting.reference not in production
    assert 'href="/editorial/jdse/?status=production" aria-current="page"' in production
    assert ">2 submissions</p>" in production  # the total is the tab's count
    # Counted under the other filters, like every tab; the filters carry over to the tab's link.
    research = queue(client, section=str(journal.sections[0].id))
    assert ">In production (1)<" in research
    assert f'href="/editorial/jdse/?status=production&amp;section={journal.sections[0].id}"' in research
    assert refs(queue(client, status="production", section=str(journal.sections[0].id))) == [producing.reference]
    client.post("/logout")
    login(people["editor"])  # an editor: only the papers they handle
    page = queue(client, status="production")
    assert refs(page) == [producing.reference] and ">In production (1)<" in page


def test_filters_by_handling_editor_and_unassigned(client, login, office, make_paper):
    journal, people = office
    ada = make_paper(editor=people["editor"])
    olu = make_paper(editor=people["other_editor"])
    nobody = make_paper()
    login(people["manager"])
    assert refs(queue(client, editor=str(people["editor"].id))) == [ada.reference]
    assert refs(queue(client, editor="none")) == [nobody.reference]
    assert set(refs(queue(client, editor="12345"))) == {ada.reference, olu.reference, nobody.reference}  # unknown
    assert "Unassigned" in rows(queue(client))[nobody.reference]["editor"]
    assert rows(queue(client))[olu.reference]["editor"] == "Olu Other"


def test_text_search_matches_reference_or_title_ignoring_case(client, login, office, make_paper):
    journal, people = office
    heat = make_paper(title="Regolith Heat Flow on the Moon")
    dust = make_paper(title="Dust devils on Mars: 100% coverage")
    login(people["manager"])
    assert refs(queue(client, q="regolith heat")) == [heat.reference]
    assert refs(queue(client, q=dust.reference.lower())) == [dust.reference]
    assert refs(queue(client, q="100%")) == [dust.reference]
    assert refs(queue(client, q="1_0")) == []  # LIKE wildcards are literal
    page = queue(client, q="Regolith", needs_action="y")
    assert 'value="Regolith"' in page and 'id="needs_action" name="needs_action" type="checkbox" value="y"' in page
    assert "Clear filters" in page
    assert "No submission matches these filters" in queue(client, q="nothing like this")


def test_bad_query_arguments_fall_back_to_the_defaults(client, login, office, make_paper):
    journal, people = office
    paper = make_paper()
    login(people["manager"])
    page = queue(client, section="abc", sort="bogus", status="nonsense", editor="x", page="-3")
    assert refs(page) == [paper.reference]
    assert "Not a valid choice" not in page and "Clear filters" not in page


def test_days_in_status_and_the_three_orders(client, login, office, make_paper):
    journal, people = office
    old = make_paper(days=40, submitted_days=41)
    new = make_paper(days=2, submitted_days=90)
    middle = make_paper(days=10, submitted_days=12)
    login(people["manager"])
    page = queue(client)
    assert refs(page) == [old.reference, middle.reference, new.reference]
    assert rows(page)[old.reference]["days"] == "40"
    assert refs(queue(client, sort="newest")) == [new.reference, middle.reference, old.reference]
    assert refs(queue(client, sort="submitted")) == [middle.reference, old.reference, new.reference]


def test_fifty_per_page_with_the_total_and_the_filters_in_the_links(client, login, office, make_paper):
    journal, people = office
    papers = [make_paper(days=200 - i, section=i % 2) for i in range(103)]
    login(people["manager"])
    first = queue(client, sort="oldest")
    assert refs(first) == [p.reference for p in papers[:50]]
    assert "103 submissions; 1–50 shown" in first and "Page 1 of 3" in first
    assert 'href="/editorial/jdse/?page=2" rel="next"' in first and 'rel="prev"' not in first
    letters = [p for i, p in enumerate(papers) if i % 2]
    page2 = queue(client, section=str(journal.sections[1].id), sort="newest", page=2)
    assert refs(page2) == [p.reference for p in reversed(letters)][50:]
    assert f'href="/editorial/jdse/?section={journal.sections[1].id}&amp;sort=newest" rel="prev"' in page2
    last = queue(client, page=99)  # past the end: the last page
    assert refs(last) == [p.reference for p in papers[100:]] and "Page 3 of 3" in last


def test_reviews_submitted_over_invited_in_the_current_round_only(client, login, office, make_paper):
    journal, people = office
    paper = make_paper(S.UNDER_REVIEW, round=2, editor=people["editor"],
                       reviews=[("submitted", {}), ("submitted", {}), ("accepted", {}), ("declined", {}),
                                ("cancelled", {})],
                       earlier_reviews=[("submitted", {}), ("submitted", {}), ("submitted", {})])
    login(people["manager"])
    assert rows(queue(client))[paper.reference]["reviews"] == "2 / 3"


PAST, FUTURE = timedelta(days=-1), timedelta(days=3)


@pytest.mark.parametrize(("reviews", "earlier", "overdue"), [
    ([("accepted", {"due": PAST})], [], 1),
    ([("invited", {"respond": PAST})], [], 1),
    ([("accepted", {"due": PAST}), ("invited", {"respond": PAST}), ("accepted", {"due": FUTURE})], [], 2),
    ([("accepted", {"due": FUTURE}), ("invited", {"respond": FUTURE})], [], 0),
    ([("submitted", {"due": PAST}), ("declined", {"respond": PAST}), ("cancelled", {"due": PAST})], [], 0),
    ([("accepted", {"respond": PAST})], [], 0),  # accepted late is fine; only its due date counts
    ([], [("accepted", {"due": PAST})], 0),  # an earlier round's lateness is over
])
def test_overdue_reviews(client, login, office, make_paper, reviews, earlier, overdue):
    journal, people = office

    def spec(items):
        now = utcnow()
        return [(status, {"due_at": now + when["due"]} if "due" in when else {"respond_by": now + when["respond"]})
                for status, when in items]

    paper = make_paper(S.UNDER_REVIEW, round=2 if earlier else 1, reviews=spec(reviews), earlier_reviews=spec(earlier))
    punctual = make_paper(S.UNDER_REVIEW, reviews=[("accepted", {})])
    login(people["manager"])
    row = rows(queue(client))[paper.reference]
    assert (f"{overdue} overdue" in row["reviews"]) if overdue else ("overdue" not in row["reviews"])
    assert refs(queue(client, overdue="y")) == ([paper.reference] if overdue else [])
    assert punctual.reference not in queue(client, overdue="y")
    summary = client.get("/editorial/").get_data(as_text=True)
    assert ("1 with overdue reviews" in summary) if overdue else ("No overdue reviews" in summary)


def test_an_editor_filters_only_their_own_papers_by_overdue_and_needs_action(client, login, office, make_paper):
    journal, people = office
    late = [("accepted", {"due_at": utcnow() - timedelta(days=2)}), ("submitted", {})]
    mine_late = make_paper(S.UNDER_REVIEW, editor=people["editor"], reviews=late)
    mine_screen = make_paper(editor=people["editor"])
    theirs_late = make_paper(S.UNDER_REVIEW, editor=people["other_editor"], reviews=late)
    login(people["editor"])
    assert refs(queue(client, overdue="y")) == [mine_late.reference]
    assert refs(queue(client, needs_action="y")) == [mine_screen.reference]
    assert refs(queue(client, needs_action="y", overdue="y")) == []
    assert theirs_late.reference not in queue(client, status="all")
    summary = client.get("/editorial/").get_data(as_text=True)
    assert "2 active submissions you handle" in summary and "1 needs your action" in summary
    assert "1 with overdue reviews" in summary


def _pending_recommendation(paper, editor):
    db.session.add(EditorRecommendation(submission=paper, round=paper.current_round, editor=editor,
                                        kind=DecisionKind.ACCEPT, reasons="Two positive reviews."))
    db.session.commit()


@pytest.mark.parametrize(("case", "who", "expected"), [
    ("submitted, handled by me", "editor", ["Screen"]),
    ("submitted, handled by me", "manager", []),
    ("submitted, unassigned", "manager", ["Assign an editor", "Screen"]),
    ("submitted, unassigned", "editor", None),  # not in an editor's queue at all
    ("revision, handled by me", "editor", ["Decide on the revision"]),
    ("revision, unassigned", "manager", ["Assign an editor", "Decide on the revision"]),
    ("under review, enough reviews", "editor", ["Decide"]),
    ("under review, one review and nobody else", "editor", ["Invite reviewers"]),
    ("under review, one review and one to come", "editor", []),
    ("under review, unassigned, no reviewers", "manager", ["Assign an editor", "Invite reviewers"]),
    ("under review, a due-date request", "editor", ["Answer a due-date request"]),
    ("under review, a declined due-date request", "editor", ["Invite reviewers"]),
    ("recommendation pending", "manager", ["Confirm the recommendation"]),
    ("recommendation pending", "editor", []),
    ("recommend-only, enough reviews", "editor", ["Recommend a decision"]),
    ("recommend-only, enough reviews", "manager", []),
    ("unassigned, written by the managing editor", "manager", None),  # not in their queue at all
    ("revision requested", "editor", []),
    ("accepted", "editor", []),
])
def test_what_needs_my_action(client, login, office, make_paper, case, who, expected):
    journal, people = office
    editor, now = people["editor"], utcnow()
    two = [("submitted", {}), ("submitted", {})]
    if case.startswith("recommend-only"):
        journal.editors_recommend_only = True
        db.session.commit()
    paper = {
        "submitted, handled by me": lambda: make_paper(editor=editor),
        "submitted, unassigned": lambda: make_paper(),
        "revision, handled by me": lambda: make_paper(editor=editor, round=2),
        "revision, unassigned": lambda: make_paper(round=2),
        "under review, enough reviews": lambda: make_paper(S.UNDER_REVIEW, editor=editor, reviews=two),
        "under review, one review and nobody else": lambda: make_paper(
            S.UNDER_REVIEW, editor=editor, reviews=[("submitted", {}), ("declined", {})]),
        "under review, one review and one to come": lambda: make_paper(
            S.UNDER_REVIEW, editor=editor, reviews=[("submitted", {}), ("invited", {})]),
        "under review, unassigned, no reviewers": lambda: make_paper(S.UNDER_REVIEW),
        "under review, a due-date request": lambda: make_paper(
            S.UNDER_REVIEW, editor=editor, reviews=[("accepted", {}), ("accepted", {
                "proposed_due_at": now + timedelta(days=40)})]),
        "under review, a declined due-date request": lambda: make_paper(
            S.UNDER_REVIEW, editor=editor, reviews=[("accepted", {}), ("declined", {
                "proposed_due_at": now + timedelta(days=40)})]),
        "recommendation pending": lambda: make_paper(S.UNDER_REVIEW, editor=editor, reviews=two),
        "recommend-only, enough reviews": lambda: make_paper(S.UNDER_REVIEW, editor=editor, reviews=two),
        "unassigned, written by the managing editor": lambda: make_paper(author=people["manager"]),
        "revision requested": lambda: make_paper(S.REVISION_REQUESTED, editor=editor),
        "accepted": lambda: make_paper(S.ACCEPTED, editor=editor),
    }[case]()
    if case == "recommendation pending":
        _pending_recommendation(paper, editor)
    quiet = make_paper(S.UNDER_REVIEW, editor=editor, reviews=[("accepted", {}), ("accepted", {})])
    login(people[who])
    page = queue(client)
    if expected is None:
        assert paper.reference not in page
        return
    row = rows(page)[paper.reference]
    assert row["actions"] == ", ".join(expected)
    assert rows(page)[quiet.reference]["actions"] == ""
    assert refs(queue(client, needs_action="y", status="all")) == ([paper.reference] if expected else [])
    summary = client.get("/editorial/").get_data(as_text=True)
    assert (f"{1} needs your action" in summary) if expected else ("Nothing needs your action" in summary)


def test_the_start_page_counts_each_journal_in_one_go(client, login, office, make_paper, make_journal, make_user):
    journal, people = office
    second = make_journal("second", title="Second Journal", reference_prefix="SEC")
    from journal.models import Membership

    db.session.add(Membership(user=people["editor"], journal=second, role=Role.MANAGING_EDITOR))
    db.session.commit()
    make_paper(editor=people["editor"])  # Screen
    make_paper(S.UNDER_REVIEW, editor=people["editor"], reviews=[("accepted", {"due_at": utcnow() - timedelta(days=1)})])
    make_paper(editor=people["other_editor"])  # not mine in jdse
    make_paper(journal=second)  # unassigned in a journal I manage: assign, screen
    make_paper(journal=second)
    make_paper(S.REJECTED, journal=second)
    login(people["editor"])
    page = client.get("/editorial/").get_data(as_text=True)
    jdse, sec = page.split("Journal of Deep Space Exploration</a>")[1].split("Second Journal</a>")
    assert "2 active submissions you handle" in jdse and "2 need your action" in jdse
    assert "1 with overdue reviews" in jdse
    assert "2 active submissions<" in sec and "2 need your action" in sec and "No overdue reviews" in sec
    assert 'href="/editorial/second/?needs_action=y"' in sec


def _count_statements():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    return statements, lambda: event.remove(db.engine, "before_cursor_execute", count)


def test_a_page_of_fifty_costs_the_same_queries_as_a_page_of_five(client, login, office, make_paper, make_user):
    journal, people = office
    editors = [make_user(roles={journal: Role.EDITOR}) for _ in range(10)]
    login(people["manager"])
    late = {"due_at": utcnow() - timedelta(days=1)}
    views = {"default": {"status": "all"}, "filtered": {"needs_action": "y", "overdue": "y", "q": "paper"}}
    statements_by = {}
    for size in (5, 50):
        while len(refs(queue(client, status="all"))) < size:  # each paper matches every filter above
            n = len(refs(queue(client, status="all")))
            paper = make_paper(S.UNDER_REVIEW, round=2, section=n % 2,
                               editor=None if n % 2 == 0 else editors[n % 10],
                               reviews=[("submitted", {}), ("accepted", late), ("invited", {})],
                               earlier_reviews=[("submitted", {})])
            if paper.handling_editor is not None:  # the managing editor's action: confirm the recommendation
                _pending_recommendation(paper, paper.handling_editor)
        for name, args in views.items():
            statements, stop = _count_statements()
            try:
                page = queue(client, **args)
            finally:
                stop()
            assert len(refs(page)) == size, name
            statements_by[(name, size)] = len(statements)
    assert statements_by[("default", 5)] == statements_by[("default", 50)], statements_by
    assert statements_by[("filtered", 5)] == statements_by[("filtered", 50)], statements_by
    assert statements_by[("default", 50)] <= 10, statements_by


def test_the_queue_names_no_author_even_to_a_managing_editor(client, login, office, make_paper, make_journal,
                                                             make_user):
    journal, people = office
    journal.review_mode = ReviewMode.TRIPLE_ANONYMOUS
    db.session.commit()
    paper = make_paper(S.UNDER_REVIEW, editor=people["editor"], title="Thermal inertia of comet nuclei",
                       reviews=[("submitted", {})])
    for who in ("editor", "manager"):
        login(people[who])
        page = queue(client, q="thermal")
        assert paper.reference in page
        for name in ("Mei", "Chen", "Kenji", "Watanabe", "mei@example.org", "kenji@example.org"):
            assert name not in page, (who, name)
        summary = client.get("/editorial/").get_data(as_text=True)
        assert "Chen" not in summary and "Watanabe" not in summary
        client.post("/logout")


@pytest.mark.parametrize("who", ["other_journal_editor", "author", "reviewer", "visitor"])
def test_nobody_else_opens_the_queue(client, login, office, make_paper, make_journal, make_user, who):
    journal, people = office
    paper = make_paper(editor=people["editor"])
    other = make_journal("elsewhere")
    user = {
        "other_journal_editor": lambda: make_user(roles={other: [Role.MANAGING_EDITOR, Role.EDITOR]}),
        "author": lambda: people["author"],
        "reviewer": lambda: make_user(roles={journal: Role.REVIEWER}),
        "visitor": lambda: None,
    }[who]()
    if user:
        login(user)
    response = client.get("/editorial/jdse/")
    if user:
        assert response.status_code in (403, 404)
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert paper.reference not in response.get_data(as_text=True)


def test_revisions_show_their_due_date_without_a_query_per_row(client, login, office, make_paper):
    """The revision's due date is read with the row (it was loaded per row: 42 statements for a page of 50)."""
    journal, people = office
    login(people["manager"])
    statements_by = {}
    for size in (1, 6):
        while len(refs(queue(client, status="revision_requested"))) < size:
            paper = make_paper(S.REVISION_REQUESTED)
            paper.revision_due_at = utcnow() + timedelta(days=30)
            db.session.commit()
        statements, stop = _count_statements()
        try:
            page = queue(client, status="revision_requested")
        finally:
            stop()
        assert len(refs(page)) == size and page.count("due ") >= size
        statements_by[size] = len(statements)
    assert statements_by[1] == statements_by[6], statements_by
