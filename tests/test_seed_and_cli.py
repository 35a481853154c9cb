"""`flask journal seed-demo` and `create-admin`."""

import html
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import Journal, Membership, OutboxMessage, Role, User
from journal.seed import DEMO_PASSWORD, article_pdf, demo_logins

ROOT = Path(__file__).resolve().parent.parent
LOGINS = [f"Logins (password for all: {DEMO_PASSWORD}):"] + [f"  {role:<22} {email}" for role, email in demo_logins()]


def test_seed_demo_creates_jdse_with_its_people_and_prints_their_logins(runner, client, caplog):
    caplog.set_level(logging.INFO)
    result = runner.invoke(args=["journal", "seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    # It speaks once: what was made, the API's docs and token, then the logins last; the mails stay in the outbox,
    # not in the log.
    lines = result.output.splitlines()
    assert lines[-len(LOGINS):] == LOGINS and len(lines) <= len(LOGINS) + 5
    secret = _api_token_works(client, lines[-len(LOGINS) - 2:-len(LOGINS)])
    mails = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))
    assert mails > 50 and f"{mails} mails queued" in result.output and "Admin → Outbox" in result.output
    assert not [r for r in caplog.records if r.levelno < logging.WARNING
                and r.name.startswith(("journal.mail", "fontTools", "fpdf"))]
    assert "Journal of Deep Space Exploration" in result.output and DEMO_PASSWORD in result.output
    jdse = db.session.scalar(select(Journal).where(Journal.slug == "jdse"))
    assert [s.title for s in jdse.sections] == ["Research Article", "Review", "Letter", "Mission Report"]
    roles = [m.role for m in db.session.scalars(select(Membership).where(Membership.journal_id == jdse.id))]
    assert roles.count(Role.MANAGING_EDITOR) == 1 and roles.count(Role.EDITOR) == 2 and roles.count(Role.REVIEWER) == 6
    reviewers = db.session.scalars(select(User).join(Membership).where(Membership.role == Role.REVIEWER)).all()
    assert all(r.expertise_keywords for r in reviewers)
    assert result.output.count("Author") >= 3

    response = client.post("/login", data={"email": "managing.editor@idsea.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/manage/jdse/settings").status_code == 200

    from journal.models import Submission, SubmissionStatus

    statuses = sorted(s.status.value for s in db.session.scalars(select(Submission).where(
        Submission.journal_id == jdse.id)))
    assert statuses == ["accepted", "accepted", "draft", "published", "published", "published", "published",
                        "published", "rejected", "revision_requested", "submitted", "under_review", "under_review"]
    assert all(s.files for s in db.session.scalars(select(Submission)))
    # The journal whose pages are Chinese first, with its bilingual issue.
    cjdse = db.session.scalar(select(Journal).where(Journal.slug == "cjdse"))
    assert (cjdse.default_language, cjdse.languages) == ("zh", None)  # Chinese first, every language offered
    papers = db.session.scalars(select(Submission).where(Submission.journal_id == cjdse.id)).all()
    assert [p.status.value for p in papers] == ["published"] * 3
    assert all(p.language == "zh" and p.translated_language == "en" and p.translated_abstract for p in papers)
    assert all(c.native_name for p in papers for c in p.contributors)
    # Made through the services: reviews submitted and drafted, a declined invitation, decisions with letters.
    from journal.models import AssignmentStatus, Decision, DecisionKind, Review, ReviewAssignment

    assignments = db.session.scalars(select(ReviewAssignment)).all()
    states = sorted(a.status.value for a in assignments)
    # 6 in the editorial states, 4 for the article published with its peer review (two reviewers, two rounds)
    assert states.count(AssignmentStatus.SUBMITTED.value) == 10 and AssignmentStatus.DECLINED.value in states
    assert AssignmentStatus.INVITED.value in states and AssignmentStatus.ACCEPTED.value in states
    assert db.session.scalar(select(db.func.count()).select_from(Review).where(Review.submitted_at.is_(None))) == 1
    kinds = sorted(d.kind.value for d in db.session.scalars(select(Decision).join(Submission).where(
        Submission.journal_id == jdse.id)))
    assert kinds == sorted([DecisionKind.MAJOR_REVISION.value, DecisionKind.MINOR_REVISION.value,
                            DecisionKind.MINOR_REVISION.value, DecisionKind.DESK_REJECT.value]
                           + [DecisionKind.ACCEPT.value] * 7)
    # JDSE publishes peer review with consent: its first article has it, in two rounds, one reviewer named.
    from journal.models import Article, PeerReviewPublication, PublishedReview, PublishedReviewKind

    assert jdse.peer_review_publication is PeerReviewPublication.WITH_CONSENT
    items = db.session.scalars(select(PublishedReview).order_by(PublishedReview.id)).all()
    assert {i.round_number for i in items} == {1, 2} and len({i.article_id for i in items}) == 1
    reports = [i for i in items if i.kind is PublishedReviewKind.REFEREE_REPORT]
    assert {(i.reviewer_name, i.reviewer_orcid) for i in reports} == {("Sara Lindqvist", "0000-0003-2718-2812"),
                                                                      (None, None)}
    assert any(i.kind is PublishedReviewKind.AUTHOR_RESPONSE for i in items)
    assert any(i.kind is PublishedReviewKind.DECISION_LETTER for i in items)
    article = db.session.get(Article, items[0].article_id)
    page = client.get(f"/j/jdse/articles/{article.id}/peer-review").get_data(as_text=True)
    assert "Sara Lindqvist" in page and "Tom Fischer" not in page and "Fischer" not in page
    # The letter is drafted in the author's language (Elena Petrova reads Russian), reviews under their labels.
    from flask_babel import force_locale, gettext

    with client.application.test_request_context("/"), force_locale("ru"):
        label = gettext("Reviewer %(number)s", number=1)
    assert label != "Reviewer 1"
    assert label in db.session.scalar(select(Decision).where(Decision.kind == DecisionKind.MAJOR_REVISION)).letter

    _published_issues_have_readable_galleys(client)

    admin = client.application.test_client()
    admin.post("/login", data={"email": "admin@idsea.example", "password": DEMO_PASSWORD})
    latest = db.session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id.desc())).first()
    assert html.escape(latest) in admin.get("/admin/outbox").get_data(as_text=True)

    again = runner.invoke(args=["journal", "seed-demo", "--if-empty"])
    assert "skipped" in again.output and again.output.splitlines()[-1] == LOGINS[-1]
    # Each start prints a new token and revokes the one printed before.
    _api_token_works(client, again.output.splitlines()[-len(LOGINS) - 2:-len(LOGINS)])
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert db.session.scalar(select(db.func.count()).select_from(Journal)) == 3  # JDSE, PIL, 深空探测学报: none added


def _api_token_works(client, lines: list[str]) -> str:
    """The two lines before the logins: the API's docs and the demo author's token, with a curl that works."""
    docs, curl = lines
    assert docs.startswith("JSON API: http://127.0.0.1:5000/api/v1/docs; Elena Petrova's token")
    secret = docs.rsplit(" ", 1)[1]
    assert secret.startswith("jnl_") and secret in curl and "/api/v1/me/submissions" in curl
    api = client.application.test_client()
    assert api.get("/api/v1/docs").status_code == 200
    mine = api.get("/api/v1/me/submissions", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert "revision_requested" in [s["status"] for s in mine["items"]]
    return secret


def test_make_run_shows_the_logins_last_not_mails_or_library_notes(tmp_path):
    """What `make run` prints before serving, as a terminal shows it (stdout and stderr, the log included), on a
    fresh instance with the development defaults: the migrations' notes, then what the seed made and the logins."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "STORAGE_URL", "MAIL_", "JOURNAL_"))}
    env.update(FLASK_APP="wsgi", JOURNAL_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONUNBUFFERED="1")
    flask = str(Path(sys.executable).parent / "flask")
    output = ""
    for command in (["db", "upgrade"], ["journal", "seed-demo", "--if-empty"]):
        done = subprocess.run([flask, *command], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:]
        output += done.stdout
    lines = output.splitlines()
    assert lines[-len(LOGINS):] == LOGINS
    migrations = len(list((ROOT / "migrations" / "versions").glob("0*.py")))
    assert len(lines) <= 24 + migrations, output  # the migrations' one line each, the seed's few, the API's 2, 15 logins
    assert "Subject:" not in output and "fontTools" not in output and "INFO journal" not in output


def test_font_libraries_keep_their_info_to_themselves(app, caplog):
    """fontTools notes every font it subsets at INFO (450 lines for the demo's galleys); its warnings still show."""
    caplog.set_level(logging.INFO)
    galley = article_pdf(title="Dust at the lunar terminator", authors=["Mei Chen"], abstract="Horizon glow, 5 µm.",
                         journal="Journal of Deep Space Exploration", doi="10.59999/jdse.2026.0001")
    assert galley.startswith(b"%PDF-")
    assert not [r for r in caplog.records if r.name.startswith(("fontTools", "fpdf"))]
    assert not logging.getLogger("fontTools.subset").isEnabledFor(logging.INFO)
    assert logging.getLogger("fontTools.subset").isEnabledFor(logging.WARNING)


def test_create_admin_makes_a_platform_administrator(runner, client):
    result = runner.invoke(args=["journal", "create-admin", "root@example.org", "--password", "a long admin secret"])
    assert result.exit_code == 0, result.output
    client.post("/login", data={"email": "root@example.org", "password": "a long admin secret"})
    assert client.get("/admin/").status_code == 200
    weak = runner.invoke(args=["journal", "create-admin", "other@example.org", "--password", "short"])
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output


def _published_issues_have_readable_galleys(client):
    """Two published issues of JDSE made through production, with real multi-page PDFs; one article in proofs."""
    import io

    from pypdf import PdfReader

    from journal import fonts
    from journal.models import Article, ArticleStatus, Issue, IssueStatus
    from journal.search import search_articles

    issues = db.session.scalars(select(Issue).join(Issue.journal).where(Journal.slug == "jdse")
                                .order_by(Issue.number)).all()
    assert [(i.label, i.status, len(i.articles)) for i in issues] == [
        ("Vol. 1 No. 1 (2026)", IssueStatus.PUBLISHED, 3), ("Vol. 1 No. 2 (2026)", IssueStatus.PUBLISHED, 2)]
    article = issues[0].articles[0]
    assert article.doi == "10.59999/jdse.2026.0001" and article.first_page == 1
    pdf = client.get(client.get(f"/j/jdse/articles/{article.id}/pdf").headers["Location"]).data
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == article.last_page - article.first_page + 1 >= 2
    first = reader.pages[0].extract_text()
    assert article.current_version.title.split()[0] in first and "Abstract" in first
    assert "https://doi.org/10.59999/jdse.2026.0001" in reader.pages[-1].extract_text()
    assert "Table 1" in "".join(p.extract_text() for p in reader.pages)
    waiting = db.session.scalars(select(Article).where(Article.published_at.is_(None))).all()
    assert [a.status for a in waiting] == [ArticleStatus.PROOFS_REQUESTED]
    assert client.get(f"/j/jdse/issues/{issues[1].id}").status_code == 200
    assert [h.article.id for h in search_articles("drill cores regolith").hits] == [article.id]
    # 深空探测学报's galleys show their Chinese text (the fonts embed it), and Chinese search finds the papers.
    [chinese] = db.session.scalars(select(Issue).join(Issue.journal).where(Journal.slug == "cjdse")).all()
    first = chinese.articles[0]
    pdf = client.get(client.get(f"/j/cjdse/articles/{first.id}/pdf").headers["Location"]).data
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    if not fonts.cjk_file():
        pytest.skip("!!! fonts-droid-fallback is not installed: the Chinese galleys are NOT checked (make test "
                    "installs it) !!!")
    assert first.current_version.title in text and "李伟" in text
    assert [h.article.id for h in search_articles("月球样品").hits] == [first.id]
