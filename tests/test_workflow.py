"""The state machine: every transition from every state, with clear refusals."""

import threading

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import Role, Submission, SubmissionStatus
from journal.services.errors import DomainError, PermissionDenied
from journal.workflow import TRANSITIONS, IllegalTransition, SubmissionChanged, available, transition

S = SubmissionStatus


@pytest.fixture
def setting(make_journal, make_user):
    journal = make_journal("jdse", reference_prefix="JDSE")
    author = make_user()
    manager = make_user(roles={journal: Role.MANAGING_EDITOR})
    editor = make_user(roles={journal: Role.EDITOR})
    return journal, author, manager, editor


def make(journal, author, status, **fields):
    submission = Submission(journal=journal, submitter=author, title="Ion drift at Ganymede", status=status, **fields)
    db.session.add(submission)
    db.session.commit()
    return submission


ACTOR = {"submit": "author", "resubmit": "author", "withdraw": "author", "desk_reject": "manager",
         "send_to_review": "manager", "decide": "manager", "schedule": "manager", "publish": "manager",
         "publish_online": "manager"}


@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("status", list(S))
def test_every_transition_from_every_state(setting, name, status):
    journal, author, manager, _editor = setting
    people = {"author": author, "manager": manager}
    submission = make(journal, author, status)
    spec = TRANSITIONS[name]
    target = sorted(spec.targets)[0]
    if status in spec.sources:
        transition(people[ACTOR[name]], submission, name, target=target)
        db.session.commit()
        assert submission.status is target
        assert submission.status_changed_at is not None
    else:
        with pytest.raises(IllegalTransition) as error:
            transition(people[ACTOR[name]], submission, name, target=target)
        assert f"is “{status.label}”" in error.value.message
        assert submission.status is status


def test_authors_cannot_take_editors_transitions_and_editors_not_authors(setting):
    journal, author, manager, editor = setting
    submitted = make(journal, author, S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        transition(author, submitted, "send_to_review")
    with pytest.raises(PermissionDenied):
        transition(manager, submitted, "withdraw")
    with pytest.raises(PermissionDenied):  # an editor who does not handle it
        transition(editor, submitted, "desk_reject")
    submitted.handling_editor = editor
    db.session.commit()
    transition(editor, submitted, "send_to_review")
    assert submitted.status is S.UNDER_REVIEW


def test_an_editor_who_is_an_author_of_the_paper_cannot_decide_on_it(setting, make_user):
    journal, author, manager, _editor = setting
    submission = make(journal, manager, S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        transition(manager, submission, "desk_reject")


def test_available_lists_what_the_user_may_do_now(setting):
    journal, author, manager, _editor = setting
    submission = make(journal, author, S.SUBMITTED)
    assert [t.name for t in available(author, submission)] == ["withdraw"]
    assert [t.name for t in available(manager, submission)] == ["desk_reject", "send_to_review"]


def test_a_stale_version_is_told_that_someone_else_acted(setting):
    journal, author, manager, _editor = setting
    submission = make(journal, author, S.SUBMITTED)
    seen_version = submission.version
    submission.title = "Changed by a colleague"
    db.session.commit()
    with pytest.raises(SubmissionChanged, match="changed by someone else"):
        transition(manager, submission, "send_to_review", expected_version=seen_version)


def test_two_editors_acting_at_once_one_wins(setting, app):
    """Optimistic locking: the second commit of the same version fails instead of overwriting."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    journal, author, manager, _editor = setting
    submission_id = make(journal, author, S.SUBMITTED).id
    with Session(db.engine) as first, Session(db.engine) as second:
        one, two = first.get(Submission, submission_id), second.get(Submission, submission_id)
        one.status = S.UNDER_REVIEW
        first.commit()
        two.status = S.REJECTED
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.expire_all()
    assert db.session.get(Submission, submission_id).status is S.UNDER_REVIEW


def test_transitions_are_audited_with_from_and_to(setting):
    from journal.audit import history

    journal, author, _manager, _editor = setting
    submission = make(journal, author, S.SUBMITTED)
    transition(author, submission, "withdraw", reason="Found an error in the orbit solution")
    db.session.commit()
    [event] = history(submission)
    assert (event.action, event.payload["from"], event.payload["to"]) == ("submission.withdraw", "submitted", "withdrawn")
    assert submission.withdrawn_at is not None
