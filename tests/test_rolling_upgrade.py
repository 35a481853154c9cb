"""A rolling upgrade (issue 16): the schema is migrated first, then the nodes restart one by one, so for a while
the previous release's app runs against the new schema. For this issue's migration (0022, the stored review
figures, added with defaults: expand before contract) the previous release must go on working, and what it changed
without keeping the new columns is put right by `flask journal refresh-review-facts` once every node runs the new
release (README, "Upgrading a running cluster").

The previous release is the commit before the one that added the migration, taken from this repository's history
and run in a process of its own with its own `journal` package first on the path, on this release's installed
packages (a real node of the previous release has its own; a package the new release dropped would be missing here,
and this test says so by failing on the import)."""

import json
import os
import subprocess
import sys
import tarfile
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from journal import create_app
from journal.extensions import db
from journal.models import ReviewAssignment, Submission
from tests.conftest import POSTGRES_SERVER, create_postgres_database, make_config

ROOT = Path(__file__).resolve().parent.parent
MIGRATION = "migrations/versions/0022_review_facts.py"

PREVIOUS_RELEASE_WORK = r'''
import io, json, sys
from datetime import date, timedelta
from config import TestConfig
from journal import create_app
from journal.extensions import db
from journal.models import Journal, Membership, Role, Section, User, utcnow
from journal.services import contributors, drafts, editorial, invitations, manuscripts, submissions
from journal.services.accounts import hash_password
from tests.pdfs import manuscript_pdf

url, storage = sys.argv[1], sys.argv[2]
app = create_app(type("Previous", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "STORAGE_URL": storage,
                                                   "PAGE_CACHE_URL": "none"}))
with app.app_context():
    journal = Journal(slug="jdse", title="Journal of Deep Space Exploration", reference_prefix="JDSE",
                      sections=[Section(title="Research Article", position=0)])
    people = {}
    for name, role in (("lin", Role.MANAGING_EDITOR), ("ada", Role.EDITOR), ("rosa", Role.REVIEWER), ("mei", None)):
        user = User(email=f"{name}@example.org", password_hash=hash_password("a long passphrase 42"),
                    given_name=name.title(), family_name="Tester", email_verified_at=utcnow())
        db.session.add(user)
        if role:
            db.session.add(Membership(user=user, journal=journal, role=role))
        people[name] = user
    db.session.add(journal)
    db.session.commit()
    paper = drafts.start_submission(people["mei"], journal, section_id=journal.sections[0].id,
                                    checklist_confirmed=True)
    drafts.update_metadata(people["mei"], paper, title="Regolith heat flow over three lunar nights",
                           keywords="moon", abstract="Heat flow through the lunar regolith over three nights.")
    manuscripts.upload_manuscript(people["mei"], paper, io.BytesIO(manuscript_pdf(["Regolith heat flow"])), "m.pdf")
    drafts.update_declarations(people["mei"], paper, cover_letter="", competing_interests="None", funding="None",
                               data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    submissions.submit(people["mei"], paper)
    editorial.assign_handling_editor(people["lin"], paper, people["ada"].id)
    editorial.send_to_review(people["ada"], paper)
    today = date.today()
    assignment, token = invitations.invite_reviewer(people["ada"], paper, user_id=people["rosa"].id,
                                                    respond_by=today + timedelta(days=5),
                                                    due_at=today + timedelta(days=30))
    invitations.accept_invitation(token)
    client = app.test_client()
    assert client.post("/login", data={"email": "ada@example.org", "password": "a long passphrase 42"}).status_code == 302
    queue = client.get("/editorial/jdse/")
    home = client.get("/j/jdse/")
    print(json.dumps({"paper": paper.id, "queue": queue.status_code, "home": home.status_code,
                      "listed": "Regolith heat flow" in queue.get_data(as_text=True)}))
'''


def previous_release() -> str:
    found = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", MIGRATION], cwd=ROOT,
                           capture_output=True, text=True)
    commits = found.stdout.split()
    if found.returncode or not commits:
        pytest.skip(f"THE ROLLING UPGRADE IS NOT TESTED: no git history of {MIGRATION} here (a shallow or exported "
                    "copy of the repository)")
    return commits[-1] + "^"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rolling.sqlite3'}"
        return
    if not POSTGRES_SERVER:
        pytest.skip("PostgreSQL NOT tested: set JOURNAL_TEST_POSTGRES")
    url, drop = create_postgres_database("journal_rolling")
    yield url
    drop()


def test_the_previous_release_works_on_the_new_schema_and_the_figures_are_put_right_after(fresh_database, tmp_path):
    release = previous_release()
    archive = subprocess.run(["git", "archive", "--format=tar", release, "journal", "config.py", "wsgi.py",
                              "templates", "migrations"], cwd=ROOT, capture_output=True, check=True)
    previous = tmp_path / "previous"
    previous.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(previous, filter="data")
    assert not (previous / MIGRATION).exists()  # the previous release does not know the new migration

    # 1. Migrate with the new release.
    new_config = make_config(fresh_database, tmp_path / "storage", PAGE_CACHE_URL="none")
    app = create_app(new_config)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()

    # 2. A node of the previous release serves and changes things on the new schema.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(previous), str(ROOT)])}
    run = subprocess.run([sys.executable, "-c", PREVIOUS_RELEASE_WORK, fresh_database,
                          (tmp_path / "storage").as_uri()], cwd=previous, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome | {"paper": 0} == {"paper": 0, "queue": 200, "home": 200, "listed": True}

    # 3. The new release reads what it wrote; the figures it did not keep are put right by the command.
    with app.app_context():
        paper = db.session.get(Submission, outcome["paper"])
        [assignment] = db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.submission_id == paper.id))
        assert assignment.status.value == "accepted"
        assert (paper.reviews_invited, paper.reviews_accepted) == (0, 0)  # written by a node that knew no figures
        result = app.test_cli_runner().invoke(args=["journal", "refresh-review-facts"])
        assert result.exit_code == 0 and "recomputed" in result.output, result.output
        db.session.expire_all()
        paper = db.session.get(Submission, outcome["paper"])
        assert (paper.reviews_invited, paper.reviews_accepted) == (1, 1)
        db.engine.dispose()
