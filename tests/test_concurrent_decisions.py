"""Two editors deciding on the same paper at the same instant (PostgreSQL, two request threads).

Both forms showed the same version of the paper and both requests pass their checks before either
commits: the database lets one through; the other is told, in words, that someone else changed the
paper, and leaves nothing behind: one decision, one letter to the authors.
"""

import threading

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import Decision, SubmissionStatus
from journal.services import editorial
from tests.conftest import PASSWORD
from tests.test_decisions import decide_url, submit_review
from tests.test_reviews import reviewed  # noqa: F401  (the fixture)


def test_two_editors_deciding_at_once_one_wins_and_the_other_is_told(app, database_url, reviewed,  # noqa: F811
                                                                     outbox, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("two requests writing at the same instant: run with JOURNAL_TEST_POSTGRES (SQLite has one writer)")
    submission, people, [first, second] = reviewed
    submit_review(people, "reviewer", first)
    submit_review(people, "reviewer2", second)
    db.session.expire_all()
    version = submission.version
    before = len(outbox())

    # Both requests have read the paper and passed the version check before either writes.
    both_checked = threading.Barrier(2, timeout=10)
    real_check = editorial.check_version

    def check_then_wait(submission, expected_version):
        real_check(submission, expected_version)
        both_checked.wait()

    monkeypatch.setattr(editorial, "check_version", check_then_wait)
    choices = {"editor": ("accept", "Dear Mei Chen,\n\nyour paper is accepted as it stands."),
               "manager": ("reject", "Dear Mei Chen,\n\nwe cannot publish your paper in this journal.")}
    emails, url = {who: people[who].email for who in choices}, decide_url(submission)
    pages: dict[str, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def decide(who: str) -> None:
        try:
            post_decision(who)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    def post_decision(who: str) -> None:
        client = app.test_client()
        client.post("/login", data={"email": emails[who], "password": PASSWORD})
        kind, letter = choices[who]
        response = client.post(url, data={"kind": kind, "letter": letter, "version": version})
        pages[who] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=decide, args=(who,)) for who in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors

    winners = [who for who, (status, _) in pages.items() if status == 302]
    assert len(winners) == 1, {who: status for who, (status, _) in pages.items()}
    [loser] = set(choices) - set(winners)
    status, page = pages[loser]
    assert status == 200
    assert "changed this a moment ago, so nothing was saved" in page or "was changed by someone else" in page
    assert choices[loser][1].split("\n")[-1] in page  # the letter typed is kept in the form

    db.session.expire_all()
    [decision] = db.session.scalars(select(Decision)).all()
    assert decision.kind.value == choices[winners[0]][0]
    assert submission.status is {"accept": SubmissionStatus.ACCEPTED,
                                 "reject": SubmissionStatus.REJECTED}[choices[winners[0]][0]]
    new_mails = outbox()[before:]
    assert [m.template for m in new_mails if m.template == "decision"] == ["decision"]
    assert sorted(m.recipient for m in new_mails if m.template == "review_thanks") == ["rosa@example.org",
                                                                                        "tomas@example.org"]
