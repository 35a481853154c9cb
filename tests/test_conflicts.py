"""Conflicts of interest: one check for every invitation and for the choice of a handling editor. A conflict holds
the invitation or the assignment, shows its flags with what the editor asked kept, and goes ahead only with the
box ticked and a reason, which the audit event records. An author of the paper is never overridable."""

import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import (AssignmentStatus, AuditEvent, DecisionKind, ReviewAssignment, ReviewMode, Role, Submission,
                            SubmissionStatus, utcnow)
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import reviews as review_service
from journal.services import submissions as service
from journal.services.conflicts import ConflictsFound
from journal.services.errors import DomainError
from tests.papers import submit_paper
from tests.data.pdf.make_samples import text_page_pdf

A = AssignmentStatus
REASON = "The dispute was settled in 2019; no competing project since."
OPPOSED = [{"name": "Ivan Petrov", "email": "ivan@rival.example", "reason": "Leads the competing probe team."},
           {"name": "Gale Storm", "email": "gale@storm.example", "reason": "Public dispute over our data."}]


@pytest.fixture
def build_paper(make_journal, make_user):
    """Mei Chen's paper with Kenji Watanabe (Kyoto Space Lab), opposing Ivan Petrov and Gale Storm; under review in
    round 1 with Ada Okafor handling it, unless `review=False` (then submitted, no handling editor yet)."""

    def build(mode=ReviewMode.DOUBLE_ANONYMOUS, slug="jcoi", review=True):
        journal = make_journal(slug, reference_prefix=slug.upper(), review_mode=mode)
        reviewer = {journal: Role.REVIEWER}
        people = {
            "author": make_user(f"mei@{slug}.example.org", given_name="Mei", family_name="Chen",
                                affiliation="Institute of Space Science"),
            "manager": make_user(f"max@{slug}.example.org", given_name="Max", family_name="Manager",
                                 roles={journal: Role.MANAGING_EDITOR}),
            "editor": make_user(f"ada@{slug}.example.org", given_name="Ada", family_name="Okafor",
                                roles={journal: Role.EDITOR}),
            "colin": make_user(f"colin@{slug}.example.org", given_name="Colin", family_name="Colleague",
                               roles={journal: Role.EDITOR}, affiliation="The Kyoto Space Lab"),
            "ivan": make_user("ivan@rival.example", given_name="Ivan", family_name="Petrov", roles=reviewer,
                              affiliation="Moon Institute"),
            "rosa": make_user(f"rosa@{slug}.example.org", given_name="Rosa", family_name="Lindqvist",
                              roles=reviewer, affiliation="Lund Observatory"),
        }
        submission = submit_paper(people["author"], journal, opposed=OPPOSED, coauthor=dict(
            given_name="Kenji", family_name="Watanabe", email=f"kenji@{slug}.example.org",
            affiliation="Dept. of Physics, Kyoto Space Lab"))
        if review:
            editorial.assign_handling_editor(people["manager"], submission, people["editor"].id)
            editorial.send_to_review(people["editor"], submission)
        return journal, submission, people

    return build


@pytest.fixture
def paper(build_paper):
    return build_paper()


def page_of(submission):
    return f"/editorial/{submission.journal.slug}/submissions/{submission.id}"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def held_form(page: str) -> dict:
    """The held page's form: where it posts and the hidden inputs it keeps."""
    form = re.search(r'<form method="post" action="([^"]+)" class="narrow" novalidate>(.*?)</form>', page, re.S)
    assert form, "no held form on the page"
    return {"action": form.group(1),
            "fields": dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))}


def invitations(submission) -> list[ReviewAssignment]:
    db.session.expire_all()
    return list(db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.submission_id == submission.id)))


def events(submission, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "submission", AuditEvent.subject_id == submission.id,
        AuditEvent.action == action).order_by(AuditEvent.id)))


def dates() -> dict:
    today = utcnow().date()
    return {"respond_by": (today + timedelta(days=6)).isoformat(), "due_at": (today + timedelta(days=33)).isoformat()}


# --- the quick invite on the paper's page -------------------------------------------------------------------------

def test_quick_invite_of_an_author_opposed_reviewer_is_held_with_its_flags_and_sends_no_mail(client, login, paper,
                                                                                          outbox):
    _journal, submission, people = paper
    ivan = people["ivan"]
    login(people["editor"])
    page = text_of(client.get(page_of(submission)))
    assert "Ivan Petrov · Moon Institute · 0 open — conflict: opposed by the authors" in page  # flagged beforehand
    typed = {"reviewer_id": str(ivan.id), **dates()}
    response = client.post(f"{page_of(submission)}/reviewers/invite", data=typed)
    page = text_of(response)
    assert response.status_code == 200
    assert "Opposed by the authors: “Leads the competing probe team.”" in page
    assert "Not done yet, because of a conflict of interest (Ivan Petrov: opposed by the authors)" in page
    assert "has not been sent" in page
    form = held_form(page)
    assert {k: form["fields"][k] for k in typed} == typed  # what was chosen and typed is kept
    assert invitations(submission) == [] and outbox("ivan@rival.example") == []

    # The box alone, or the reason alone, is not enough; the invitation still does not leave.
    for override in ({"override": "y"}, {"override_reason": REASON}):
        page = text_of(client.post(form["action"], data={**form["fields"], **override}))
        assert "Opposed by the authors" in page and held_form(page)["fields"]["reviewer_id"] == str(ivan.id)
    assert "Give your reason for going ahead" in text_of(client.post(form["action"],
                                                                     data={**form["fields"], "override": "y"}))
    assert invitations(submission) == [] and outbox("ivan@rival.example") == []

    response = client.post(form["action"], data={**form["fields"], "override": "y", "override_reason": REASON},
                           follow_redirects=True)
    assert "Ivan Petrov is invited as Reviewer 1; the invitation has been mailed." in text_of(response)
    [assignment] = invitations(submission)
    assert assignment.reviewer_id == ivan.id and assignment.respond_by.date().isoformat() == typed["respond_by"]
    assert [m.template for m in outbox("ivan@rival.example")] == ["review_invitation"]
    [event] = events(submission, "review.invited")
    assert event.payload["override_reason"] == REASON
    assert event.payload["conflicts_overridden"] == ["opposed by the authors"]
    # The history on the paper's page says it, for the editors.
    assert f"override reason: {REASON}" in text_of(client.get(page_of(submission)))


def test_a_reviewer_without_conflict_is_invited_at_once_and_recorded_without_override(client, login, paper, outbox):
    _journal, submission, people = paper
    login(people["editor"])
    response = client.post(f"{page_of(submission)}/reviewers/invite",
                           data={"reviewer_id": people["rosa"].id, **dates()}, follow_redirects=True)
    assert "Rosa Lindqvist is invited as Reviewer 1" in text_of(response)
    [event] = events(submission, "review.invited")
    assert "override_reason" not in event.payload and "conflicts_overridden" not in event.payload


def test_an_author_is_never_invitable_even_with_an_override(paper):
    _journal, submission, people = paper
    with pytest.raises(DomainError, match="author of the paper and cannot review it") as refused:
        invitation_service.invite_reviewer(people["editor"], submission, email="kenji@jcoi.example.org", name="K. W.",
                                           override=True, override_reason=REASON)
    assert not isinstance(refused.value, ConflictsFound)
    assert invitations(submission) == []


# --- an invitation by address to someone not registered -----------------------------------------------------------

def test_inviting_by_address_someone_unregistered_whom_the_authors_opposed_by_address_is_held(client, login, paper,
                                                                                           outbox):
    _journal, submission, people = paper
    login(people["editor"])
    # Another spelling of the name and of the address: the address decides.
    typed = {"reviewer_id": "0", "name": "G. R. Storm", "email": "Gale@Storm.example", **dates()}
    page = text_of(client.post(f"{page_of(submission)}/reviewers/invite", data=typed))
    assert "Opposed by the authors: “Public dispute over our data.”" in page
    form = held_form(page)
    assert form["fields"]["name"] == "G. R. Storm" and form["fields"]["email"] == "Gale@Storm.example"
    assert invitations(submission) == [] and outbox("gale@storm.example") == []

    response = client.post(form["action"], data={**form["fields"], "override": "y", "override_reason": REASON},
                           follow_redirects=True)
    assert "G. R. Storm is invited as Reviewer 1" in text_of(response)
    [assignment] = invitations(submission)
    assert assignment.reviewer_id is None and assignment.invitee_email == "gale@storm.example"
    assert [m.template for m in outbox("gale@storm.example")] == ["review_invitation"]
    assert events(submission, "review.invited")[0].payload["override_reason"] == REASON


# --- Find reviewers ---------------------------------------------------------------------------------------------

def test_find_reviewers_invite_without_the_override_is_held_and_with_it_returns_to_the_list(client, login, paper,
                                                                                          outbox):
    _journal, submission, people = paper
    login(people["editor"])
    find = f"{page_of(submission)}/reviewers/find"
    page = text_of(client.get(find, query_string={"q": "petrov"}))
    card = page.split('id="name-')[1]
    assert "Invite despite: opposed by the authors" in card and "Your reason" in card
    action = re.search(r'<form method="post" action="([^"]+)" class="reviewer-action">', card).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                             card.split('class="reviewer-action">')[1].split("</form>")[0]))
    page = text_of(client.post(action, data=fields))  # “Invite anyway” without ticking the box
    assert "Opposed by the authors: “Leads the competing probe team.”" in page
    form = held_form(page)
    assert form["fields"]["back_q"] == "petrov" and form["fields"]["reviewer_id"] == str(people["ivan"].id)
    assert f'href="{find}?q=petrov' in page.replace("&amp;", "&")  # going back returns to the same search
    assert invitations(submission) == [] and outbox("ivan@rival.example") == []

    response = client.post(form["action"], data={**form["fields"], "override": "y", "override_reason": REASON},
                           follow_redirects=True)
    assert response.request.path.endswith("/reviewers/find") and response.request.args["q"] == "petrov"
    assert "Ivan Petrov is invited as Reviewer 1" in text_of(response)
    assert [m.template for m in outbox("ivan@rival.example")] == ["review_invitation"]
    assert events(submission, "review.invited")[0].payload["override_reason"] == REASON


def test_find_reviewers_invite_with_the_box_and_reason_in_the_card_goes_at_once(client, login, paper, outbox):
    _journal, submission, people = paper
    login(people["editor"])
    page = text_of(client.get(f"{page_of(submission)}/reviewers/find", query_string={"q": "petrov"}))
    card = page.split('class="reviewer-action">')[1].split("</form>")[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', card))
    response = client.post(f"{page_of(submission)}/reviewers/invite",
                           data={**fields, "override": "y", "override_reason": REASON}, follow_redirects=True)
    assert "Ivan Petrov is invited as Reviewer 1" in text_of(response)
    assert events(submission, "review.invited")[0].payload["conflicts_overridden"] == ["opposed by the authors"]


# --- re-inviting the previous round's reviewers -------------------------------------------------------------------

def test_sending_to_the_previous_reviewers_holds_one_the_authors_now_oppose(client, login, paper, outbox):
    _journal, submission, people = paper
    editor, rosa, author = people["editor"], people["rosa"], people["author"]
    _a, token = invitation_service.invite_reviewer(editor, submission, user_id=rosa.id)
    assignment = invitation_service.accept_invitation(token)
    review_service.save_review(rosa, assignment, scores={"originality": 4, "significance": 4, "soundness": 3,
                                                          "clarity": 4},
                               recommendation="minor_revision", confidential_comments="",
                               comments_to_authors="Please give the probe depths.")
    review_service.submit_review(rosa, assignment)
    editorial.decide(editor, submission, kind=DecisionKind.MINOR_REVISION,
                     letter=editorial.default_decision_letter(submission, DecisionKind.MINOR_REVISION),
                     override_reason="One thorough review is enough for a minor revision.")
    # In the revision the authors name the round's reviewer as opposed (by address).
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[],
                                      opposed_reviewers=[*OPPOSED, {"name": "R. Lindqvist", "email": rosa.email,
                                                              "reason": "Now a collaborator of ours."}])
    manuscript_service.upload_manuscript(author, submission,
                                         io.BytesIO(text_page_pdf([["Regolith heat flow, revised"]])),
                                         "r.pdf")
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.resubmit(author, submission, response="We give the depths.")
    mails_before = len(outbox(rosa.email))

    login(editor)
    assert "Send to the same reviewers" in text_of(client.get(page_of(submission)))
    url = f"{page_of(submission)}/send-to-previous-reviewers"
    page = text_of(client.post(url, data={"version": str(submission.version)}))
    assert "Rosa Lindqvist" in page and "Opposed by the authors: “Now a collaborator of ours.”" in page
    assert "has not been sent to review; no one has been invited" in page
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status is SubmissionStatus.SUBMITTED
    assert len(invitations(submission)) == 1 and len(outbox(rosa.email)) == mails_before

    form = held_form(page)
    response = client.post(form["action"], data={**form["fields"], "override": "y", "override_reason": REASON},
                           follow_redirects=True)
    assert "1 reviewer of the previous round invited again" in text_of(response)
    db.session.expire_all()
    fresh = db.session.get(Submission, submission.id)
    assert fresh.status is SubmissionStatus.UNDER_REVIEW
    assert [m.template for m in outbox(rosa.email)][mails_before:] == ["review_invitation"]
    event = events(submission, "review.invited")[-1]
    assert event.payload["round"] == 2 and event.payload["override_reason"] == REASON


# --- choosing a handling editor ---------------------------------------------------------------------------------

def test_assign_form_lists_a_same_institution_editors_conflict_and_refuses_without_override(client, login,
                                                                                           build_paper, outbox):
    _journal, submission, people = build_paper(review=False)
    colin, manager = people["colin"], people["manager"]
    login(manager)
    page = text_of(client.get(page_of(submission)))
    assert ">Colin Colleague — conflict: shares an affiliation with an author</option>" in page
    assert "Colin Colleague:</strong> Shares an affiliation with Kenji Watanabe (Dept. of Physics, Kyoto Space Lab)." \
        in page
    assert ">Ada Okafor</option>" in page  # no conflict, no flag

    response = client.post(f"{page_of(submission)}/assign",
                           data={"editor_id": colin.id, "version": str(submission.version)})
    page = text_of(response)
    assert response.status_code == 200 and "Shares an affiliation with Kenji Watanabe" in page
    assert "Colin Colleague has not been assigned" in page
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).handling_editor_id is None
    assert outbox(colin.email) == [] and events(submission, "submission.editor_assigned") == []

    form = held_form(page)
    assert form["fields"]["editor_id"] == str(colin.id)
    page = text_of(client.post(form["action"], data={**form["fields"], "override": "y"}))
    assert "Give your reason" in page
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).handling_editor_id is None

    response = client.post(form["action"], data={**form["fields"], "override": "y", "override_reason": REASON},
                           follow_redirects=True)
    assert "Colin Colleague now handles" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).handling_editor_id == colin.id
    [event] = events(submission, "submission.editor_assigned")
    assert event.payload["override_reason"] == REASON
    assert event.payload["conflicts_overridden"] == ["shares an affiliation with an author"]
    # The editor's mail and everything the authors receive or read say nothing of it.
    [mail] = outbox(colin.email)
    assert "conflict" not in mail.body_text.lower() and REASON not in mail.body_text
    assert not any("conflict" in m.body_text.lower() or REASON in m.body_text for m in outbox(people["author"].email))
    client.post("/logout")
    login(people["author"])
    response = client.get(f"/submissions/{submission.id}")
    author_page = text_of(response)
    assert response.status_code == 200 and "Regolith heat flow" in author_page
    assert "conflict" not in author_page.lower() and REASON not in author_page
    assert "Colin" not in author_page


def test_an_editor_without_conflict_is_assigned_at_once(client, login, build_paper):
    _journal, submission, people = build_paper(review=False)
    login(people["manager"])
    response = client.post(f"{page_of(submission)}/assign",
                           data={"editor_id": people["editor"].id, "version": str(submission.version)},
                           follow_redirects=True)
    assert "Ada Okafor now handles" in text_of(response)
    [event] = events(submission, "submission.editor_assigned")
    assert "override_reason" not in event.payload


def test_triple_anonymous_handling_editor_never_reads_the_override_of_their_own_conflict(client, login,
                                                                                        build_paper):
    _journal, submission, people = build_paper(mode=ReviewMode.TRIPLE_ANONYMOUS, slug="jtri", review=False)
    with pytest.raises(ConflictsFound):
        editorial.assign_handling_editor(people["manager"], submission, people["colin"].id)
    editorial.assign_handling_editor(people["manager"], submission, people["colin"].id, override=True,
                                     override_reason="Another department of the same lab, far apart.")
    login(people["colin"])
    page = text_of(client.get(page_of(submission)))
    assert "Editor assigned" in page or "editor assigned" in page.lower()
    for trace in ("Another department", "shares an affiliation", "conflicts overridden", "Kyoto"):
        assert trace not in page, trace
