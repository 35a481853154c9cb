"""Issues: created with unique volume and number, articles scheduled with checked page ranges, the table of
contents ordered by section, previewed, and published all at once with DOIs, or not at all."""

import pytest
from sqlalchemy import func, select

from journal.extensions import db
from journal.models import (Article, ArticleStatus, AuditEvent, DoiCounter, IssueStatus, OutboxMessage, Role,
                            SubmissionStatus)
from journal.services import after_publication
from journal.services import issues as issue_service
from journal.services import production
from journal.services.errors import DomainError
from tests.test_production import accepted_paper, lock_version, office, ready_article  # noqa: F401  (fixture)

A = ArticleStatus
S = SubmissionStatus


@pytest.fixture
def issue(office):
    journal, people = office
    return issue_service.create_issue(people["manager"], journal, volume=3, number=2, year=2026, title="Lunar surface")


def paper(office, title, *, section=0):
    journal, people = office
    submission = accepted_paper(journal, people["author"], people["manager"], title=title)
    if section:
        submission.section = journal.sections[section]
        db.session.commit()
    return submission


def test_issues_are_unique_per_journal_volume_and_number(client, login, office, issue, make_journal, make_user):
    journal, people = office
    with pytest.raises(DomainError, match="has a Vol. 3 No. 2 already") as error:
        issue_service.create_issue(people["manager"], journal, volume=3, number=2, year=2027)
    assert error.value.field == "number"
    other = make_journal("other")
    elsewhere = issue_service.create_issue(make_user(roles={other: Role.MANAGING_EDITOR}), other, volume=3, number=2,
                                           year=2026)
    assert elsewhere.label == "Vol. 3 No. 2 (2026)"
    login(people["manager"])
    text = client.post("/production/jdse/issues", data={"volume": 3, "number": 2, "year": 2026}).get_data(as_text=True)
    assert "has a Vol. 3 No. 2 already" in text
    text = client.post("/production/jdse/issues", data={"volume": 0, "number": 1, "year": 1800}).get_data(as_text=True)
    assert "Number must be between 1 and 10000." in text and "Number must be between 1900 and 2200." in text
    form = client.get("/production/jdse/issues").get_data(as_text=True)
    assert 'name="number" required type="number" value="3"' in form  # the next number of the latest volume
    assert db.session.scalar(select(func.count()).select_from(type(issue)).where(
        type(issue).journal_id == journal.id)) == 1


def test_scheduling_checks_the_page_range_against_the_other_articles(office, issue):
    journal, people = office
    manager, author = people["manager"], people["author"]
    first = ready_article(paper(office, "Dust devils on Mars"), manager, author, issue=issue, pages=(1, 12))
    second = ready_article(paper(office, "Ion drift at Ganymede"), manager, author)
    for pages, message in (((0, 4), "Pages are counted from 1."), ((9, 4), "The last page (4) comes before the "
                                                                           "first (9)."),
                           ((10, 20), "Pages 10\u201320 overlap “Dust devils on Mars” (pages 1\u201312)"),
                           ((5, None), "Give both the first and the last page")):
        with pytest.raises(DomainError) as error:
            issue_service.schedule_article(manager, second, issue_id=issue.id, first_page=pages[0],
                                           last_page=pages[1])
        assert message in error.value.message
    assert second.issue_id is None and second.submission.status is S.ACCEPTED
    issue_service.schedule_article(manager, second, issue_id=issue.id)  # pages may follow later
    assert second.submission.status is S.SCHEDULED and second.pages == ""
    assert issue_service.next_free_page(issue) == 13
    issue_service.schedule_article(manager, second, issue_id=issue.id, first_page=13, last_page=15)
    assert second.pages == "13\u201315"
    later = issue_service.create_issue(manager, journal, volume=3, number=3, year=2026)
    issue_service.schedule_article(manager, first, issue_id=later.id, first_page=1, last_page=12)  # moved
    assert first.issue_id == later.id and first.submission.status is S.SCHEDULED
    other_journal_issue_id = 999999
    with pytest.raises(DomainError, match="Choose one of the journal's issues"):
        issue_service.schedule_article(manager, first, issue_id=other_journal_issue_id)


def reading_order(issue) -> list[int]:
    db.session.expire_all()
    return [a.id for a in issue_service.toc(issue)]


def test_the_table_of_contents_goes_by_section_then_the_editors_order(client, login, office, issue):
    journal, people = office
    manager, author = people["manager"], people["author"]
    letter = ready_article(paper(office, "A short letter on dust", section=1), manager, author, issue=issue,
                           pages=(30, 31))
    first = ready_article(paper(office, "Dust devils on Mars"), manager, author, issue=issue, pages=(1, 12))
    second = ready_article(paper(office, "Ion drift at Ganymede"), manager, author, issue=issue, pages=(13, 20))
    assert [a.id for a in issue_service.toc(issue)] == [first.id, second.id, letter.id]  # Research Article first
    login(manager)
    url = f"/production/jdse/issues/{issue.id}"
    client.post(f"{url}/articles/{second.id}/move", data={"direction": "up", "version": issue.version})
    assert reading_order(issue) == [second.id, first.id, letter.id]
    client.post(f"{url}/articles/{letter.id}/move", data={"direction": "up", "version": issue.version})
    assert reading_order(issue) == [second.id, first.id, letter.id]  # stays in its section
    preview = client.get(f"{url}/preview").get_data(as_text=True)
    order = [preview.index(t) for t in ("Research Article", "Ion drift at Ganymede", "Dust devils on Mars", "Letter",
                                        "A short letter on dust")]
    assert order == sorted(order)
    assert "Preview: only the managing editors see this page" in preview and "pp. 13\u201320" in preview
    assert "DOI given at publication" in preview and "Mei Chen" in preview and "/j/jdse/articles/" not in preview


def test_the_preview_is_for_the_managing_editors_until_publication(client, login, office, issue):
    journal, people = office
    ready_article(paper(office, "Dust devils on Mars"), people["manager"], people["author"], issue=issue)
    for who in (people["editor"], people["author"], people["reviewer"]):
        login(who)
        assert client.get(f"/production/jdse/issues/{issue.id}/preview").status_code == 404
    client.post("/logout")
    assert client.get(f"/j/jdse/issues/{issue.id}").status_code == 404
    issue_service.publish_issue(people["manager"], issue)
    public = client.get(f"/j/jdse/issues/{issue.id}").get_data(as_text=True)
    assert "Dust devils on Mars" in public and "https://doi.org/10.59999/jdse.2026.0001" in public


def test_publishing_is_refused_with_every_missing_item(client, login, office, issue, outbox):
    journal, people = office
    manager, author = people["manager"], people["author"]
    ready = ready_article(paper(office, "Dust devils on Mars"), manager, author, issue=issue, pages=(1, 3))
    waiting = ready_article(paper(office, "Ion drift at Ganymede"), manager, author, approve=False)
    issue_service.schedule_article(manager, waiting, issue_id=issue.id)
    bare = production.start_production(manager, paper(office, "Europa's ice shell"))
    issue_service.schedule_article(manager, bare, issue_id=issue.id, first_page=10, last_page=12)
    journal.doi_prefix = None
    db.session.commit()
    sent_before = len(outbox())
    login(manager)
    response = client.post(f"/production/jdse/issues/{issue.id}/publish", data={"version": issue.version})
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and "Not published: what is missing" in text
    assert "The journal has no DOI prefix" in text
    assert "“Ion drift at Ganymede”: proofs not approved (waiting for the author); no pages" in text
    assert "“Europa&#39;s ice shell”: no galley; metadata not confirmed; proofs not approved (not sent to the " \
           "author yet)" in text
    assert "“Dust devils on Mars”:" not in text  # ready
    db.session.expire_all()
    assert issue.status is IssueStatus.DRAFT and ready.doi is None and ready.submission.status is S.SCHEDULED
    assert len(outbox()) == sent_before
    with pytest.raises(issue_service.PublicationBlocked) as error:
        issue_service.publish_issue(manager, issue)
    assert error.value.message.startswith("The issue cannot be published yet. The journal has no DOI prefix")

    empty = issue_service.create_issue(manager, journal, volume=3, number=9, year=2026)
    with pytest.raises(issue_service.PublicationBlocked, match="The issue has no articles"):
        issue_service.publish_issue(manager, empty)


def test_publishing_gives_each_article_its_doi_by_the_pattern_and_tells_the_authors(office, issue, outbox):
    journal, people = office
    manager, author = people["manager"], people["author"]
    first = ready_article(paper(office, "Dust devils on Mars"), manager, author, issue=issue, pages=(1, 12))
    second = ready_article(paper(office, "Ion drift at Ganymede"), manager, author, issue=issue, pages=(13, 20))
    issue_service.move_article(manager, issue, second.id, -1)
    published = issue_service.publish_issue(manager, issue)
    assert [a.id for a in published] == [second.id, first.id]
    assert (second.doi, first.doi) == ("10.59999/jdse.2026.0001", "10.59999/jdse.2026.0002")
    for article in (first, second):
        assert article.status is A.PUBLISHED and article.published_at == issue.published_at
        assert article.submission.status is S.PUBLISHED and article.submission.published_at is not None
        assert article.current_version.published_at == issue.published_at
    assert issue.status is IssueStatus.PUBLISHED
    mails = [m for m in outbox("mei@example.org") if m.template == "article_published"]
    assert sorted(m.subject for m in mails) == ["Published: Dust devils on Mars", "Published: Ion drift at Ganymede"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "submission.publish")) == 2

    # The next issue of the year continues the count; another pattern is used as it is written.
    journal.doi_pattern = "{slug}.v{volume}i{issue}.{number:03d}"
    db.session.commit()
    later = issue_service.create_issue(manager, journal, volume=3, number=3, year=2026)
    third = ready_article(paper(office, "Europa's ice shell"), manager, author, issue=later, pages=(1, 9))
    issue_service.publish_issue(manager, later)
    assert third.doi == "10.59999/jdse.v3i3.003"
    with pytest.raises(issue_service.PublicationBlocked, match="is published already"):
        issue_service.publish_issue(manager, later)


def test_a_doi_collision_publishes_nothing(office, issue, outbox):
    journal, people = office
    manager, author = people["manager"], people["author"]
    first = ready_article(paper(office, "Dust devils on Mars"), manager, author, issue=issue, pages=(1, 12))
    second = ready_article(paper(office, "Ion drift at Ganymede"), manager, author, issue=issue, pages=(13, 20))
    # An article published earlier (say, imported) holds the DOI the second article would get.
    earlier = ready_article(paper(office, "Imported earlier"), manager, author)
    earlier.doi = "10.59999/JDSE.2026.0002"
    db.session.commit()
    sent_before = len(outbox())
    with pytest.raises(DomainError) as error:
        issue_service.publish_issue(manager, issue)
    assert "Nothing was published" in error.value.message and "10.59999/JDSE.2026.0002" in error.value.message
    db.session.expire_all()
    assert issue.status is IssueStatus.DRAFT and issue.published_at is None
    for article in (first, second):
        assert article.doi is None and article.published_at is None and article.status is A.PROOFS_APPROVED
        assert article.submission.status is S.SCHEDULED
    assert len(outbox()) == sent_before
    assert db.session.scalar(select(DoiCounter.last_number)) is None  # the count was rolled back too


def test_a_failure_in_the_middle_of_publishing_publishes_nothing(office, issue, outbox, monkeypatch):
    journal, people = office
    manager, author = people["manager"], people["author"]
    first = ready_article(paper(office, "Dust devils on Mars"), manager, author, issue=issue, pages=(1, 12))
    second = ready_article(paper(office, "Ion drift at Ganymede"), manager, author, issue=issue, pages=(13, 20))
    sent_before = len(outbox())
    real_queue_mail = issue_service.queue_mail
    calls = []

    def failing_queue_mail(*args, **kwargs):
        calls.append(kwargs["subject"])
        if len(calls) == 2:
            raise RuntimeError("the mail template broke")
        return real_queue_mail(*args, **kwargs)

    monkeypatch.setattr(issue_service, "queue_mail", failing_queue_mail)
    with pytest.raises(RuntimeError):
        issue_service.publish_issue(manager, issue)
    assert calls == ["Published: Dust devils on Mars", "Published: Ion drift at Ganymede"]
    db.session.expire_all()
    assert issue.status is IssueStatus.DRAFT
    for article in (first, second):
        assert article.doi is None and article.published_at is None
        assert article.submission.status is S.SCHEDULED and article.current_version.published_at is None
    assert db.session.scalar(select(func.count()).select_from(Article).where(Article.doi.is_not(None))) == 0
    assert len(outbox()) == sent_before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(["submission.publish", "article.published", "issue.published"]))) == 0
    monkeypatch.undo()
    issue_service.publish_issue(manager, issue)  # once the cause is gone, the same issue publishes
    assert first.doi == "10.59999/jdse.2026.0001"


def test_a_stale_publish_button_is_refused(client, login, office, issue):
    journal, people = office
    ready_article(paper(office, "Dust devils on Mars"), people["manager"], people["author"], issue=issue)
    shown = issue.version
    issue_service.update_issue(people["manager"], issue, volume=3, number=2, year=2026, title="Lunar regolith")
    login(people["manager"])
    text = client.post(f"/production/jdse/issues/{issue.id}/publish", data={"version": shown},
                       follow_redirects=True).get_data(as_text=True)
    assert "changed by someone else a moment ago" in text
    db.session.expire_all()
    assert issue.status is IssueStatus.DRAFT


def test_a_published_issue_keeps_its_numbers(office, issue):
    journal, people = office
    ready_article(paper(office, "Dust devils on Mars"), people["manager"], people["author"], issue=issue)
    issue_service.publish_issue(people["manager"], issue)
    with pytest.raises(DomainError, match="keeps its volume, number and year"):
        issue_service.update_issue(people["manager"], issue, volume=4, number=2, year=2026)
    issue_service.update_issue(people["manager"], issue, volume=3, number=2, year=2026, title="The lunar surface")
    assert issue.title == "The lunar surface"
    article = ready_article(paper(office, "Ion drift at Ganymede"), people["manager"], people["author"])
    with pytest.raises(DomainError, match="is published; choose a draft issue"):
        issue_service.schedule_article(people["manager"], article, issue_id=issue.id)


def test_the_doi_pattern_is_a_journal_setting_checked_on_saving(client, login, office, make_user):
    journal, people = office
    admin = make_user(admin=True)
    login(admin)
    form = client.get("/manage/jdse/settings").get_data(as_text=True)
    assert 'value="{slug}.{year}.{number:04d}"' in form and "10.59999/jdse.2026.0042" in form
    data = settings_post(journal, doi_pattern="{slug}.{year}")
    text = client.post("/manage/jdse/settings", data=data).get_data(as_text=True)
    assert "The pattern needs {number}, {reference} or {article}" in text
    data = settings_post(journal, doi_pattern="{slug}-{reference}")
    assert client.post("/manage/jdse/settings", data=data).status_code == 302
    db.session.expire_all()
    assert journal.doi_pattern == "{slug}-{reference}"


def settings_post(journal, **overrides) -> dict:
    data = {name: getattr(journal, name) for name in (
        "title", "abbreviation", "reference_prefix", "publisher", "doi_prefix", "licence", "review_days",
        "response_days", "reviews_required", "page_limit", "description", "author_guidelines", "doi_pattern")}
    data.update(review_mode=journal.review_mode.value, issn_print="", issn_online="", accepting_submissions="y",
                reviewers_see_reviews="y", reminder_days_respond_by="-2, 2", reminder_days_due="-7, -1, 3, 10")
    data.update(overrides)
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_no_outbox_mail_or_public_page_names_a_reviewer(client, office, issue):
    journal, people = office
    submission = accepted_paper(journal, people["author"], people["manager"], reviewers=[people["reviewer"],
                                                                                         people["reviewer2"]])
    article = ready_article(submission, people["manager"], people["author"], issue=issue)
    issue_service.publish_issue(people["manager"], issue)
    texts = [m.body_text for m in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template.in_(["proofs_requested", "article_published"])))]
    texts.append(client.get(f"/j/jdse/articles/{article.id}").get_data(as_text=True))
    texts.append(client.get(f"/j/jdse/issues/{issue.id}").get_data(as_text=True))
    assert len(texts) == 4
    for text in texts:
        for secret in ("Rosa", "Lindqvist", "Tomas", "Berg", "Between us"):
            assert secret not in text


def test_the_public_issue_and_article_pages_answer_in_a_few_queries(client, office, issue):
    from sqlalchemy import event

    journal, people = office
    articles = [ready_article(paper(office, title), people["manager"], people["author"], issue=issue, pages=pages)
                for title, pages in (("Dust devils on Mars", (1, 4)), ("Ion drift at Ganymede", (5, 8)),
                                     ("Europa's ice shell", (9, 12)))]
    issue_service.publish_issue(people["manager"], issue)
    after_publication.correct_metadata(people["manager"], articles[0], change_note="The title was incomplete.",
                                       **{**production.metadata_of(articles[0].current_version),
                                          "title": "Dust devils on Mars in spring"})
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for url in (f"/j/jdse/issues/{issue.id}", f"/j/jdse/articles/{articles[0].id}",
                    f"/j/jdse/articles/{articles[0].id}/v1"):
            statements.clear()
            response = client.get(url)
            assert response.status_code == 200 and "Set-Cookie" not in response.headers
            assert len(statements) <= 5, (url, "\n".join(s[:60] for s in statements))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
