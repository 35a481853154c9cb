"""The world the route access matrix (tests/access_matrix.py) is checked on: one double-anonymous journal, the
twelve personas of issue 11, and the paper "P" taken through the real services to one of the STATES. A second
paper "Q" of a stranger is under review throughout, so that one reviewer reviews another paper.

`build_world(state, make_journal, make_user)` returns a World: the personas by name, and `values`, the objects the
matrix's URL templates name ({slug}, {P}, {A}…); a value that does not exist in a state is absent, and the rows
that need it are not checked in that state.
"""

import io
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from journal.extensions import db
from journal.models import (CompileStatus, Contributor, FileKind, FullText, FullTextFigure, FullTextSource,
                            FullTextStatus, Membership, OutboxMessage, PeerReviewPublication, ReviewMode, Role,
                            SubmissionFile, utcnow)
from journal.services import accounts, editorial, journals, production
from journal.services import contributors as contributor_service
from journal.services import drafts as draft_service
from journal.services import invitations as invitation_service
from journal.services import issues as issue_service
from journal.services import latex as latex_service
from journal.services import manuscripts as manuscript_service
from journal.services import proofs as proof_service
from journal.services import review_attachments as review_attachment_service
from journal.services import conversations
from journal.services import reviews as review_service
from journal.services import submissions as service
from journal.storage import get_storage, new_key
from tests.conftest import link_in
from tests.pdfs import manuscript_pdf

# The paper's states, in the order of its life; each changes some answer of the matrix.
STATES = ["submitted", "invited", "answered", "reviewed", "revision", "production", "published"]
STATE_NOTES = {
    "submitted": "submitted, awaiting a handling editor",
    "invited": "under review: the three reviewers invited, none answered yet",
    "answered": "under review: one reviewer still invited, one accepted (writing), one declined",
    "reviewed": "under review: the accepted reviewer submitted the review with an attachment",
    "revision": "decision taken: major revision requested, the review shared with the authors",
    "production": "accepted, in production: galley uploaded, proofs requested from the authors",
    "published": "published in volume 1, issue 1",
}

PERSONAS = ["anonymous", "author", "coauthor", "editor", "handling_editor", "editor_author", "managing_editor",
            "reviewer_invited", "reviewer_accepted", "reviewer_declined", "reviewer_other_paper", "admin"]
PERSONA_NOTES = {
    "anonymous": "a visitor, not logged in",
    "author": "the paper's submitter",
    "coauthor": "a co-author of the paper with an account (not corresponding)",
    "editor": "an editor of the journal who does not handle the paper",
    "handling_editor": "the editor who handles the paper (from 'invited' on)",
    "editor_author": "an editor of the journal who is a co-author of the paper",
    "managing_editor": "the journal's managing editor",
    "reviewer_invited": "a reviewer invited on the paper who has not answered",
    "reviewer_accepted": "a reviewer who accepted (and from 'reviewed' on submitted a review)",
    "reviewer_declined": "a reviewer who declined the invitation",
    "reviewer_other_paper": "a reviewer of the journal reviewing another paper",
    "admin": "the platform administrator (no journal role)",
}


@dataclass
class World:
    state: str
    journal: object
    people: dict
    values: dict = field(default_factory=dict)


def tiny_latex_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("paper.tex", "\\documentclass{article}\n\\begin{document}\nRegolith.\n\\end{document}\n")
    return out.getvalue()


def _paper(author, journal, title, coauthors=(), latex=False):
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title=title, keywords="moon, regolith",
                                  abstract="Wheel tracks of a lunar rover constrain the cohesion of the regolith.")
    for person in coauthors:
        contributor_service.add_contributor(author, submission, given_name=person.given_name,
                                            family_name=person.family_name,
                                            email=person.email, affiliation=person.affiliation, country="DE")
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf([title, "Anonymous authors"],
                                                                                       ["Results."])), "manuscript.pdf")
    if latex:  # its LaTeX source too; the matrix's app runs no jobs, so the compile is left as its job leaves it,
        # the manuscript above being its PDF (a paper is not submitted while its source compiles)
        compiled = latex_service.upload_source(author, submission, io.BytesIO(tiny_latex_zip()), "source.zip")
        compiled.status, compiled.pdf_file = CompileStatus.SUCCEEDED, service.manuscript_of(submission)
        db.session.commit()
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.submit(author, submission)
    return submission


def _review(reviewer, assignment, recommendation="major_revision"):
    review_service.save_review(reviewer, assignment,
                               scores={"originality": 4, "significance": 4, "soundness": 3, "clarity": 4},
                               recommendation=recommendation, confidential_comments="Between us.",
                               comments_to_authors="Please quantify the slip of the wheels.")
    review_attachment_service.add_review_attachment(reviewer, assignment, io.BytesIO(manuscript_pdf(["Notes"])),
                                                    "notes.pdf")
    review_service.submit_review(reviewer, assignment)


def _people(journal, make_user):
    def person(key, roles=None, **extra):
        return make_user(f"{key.replace('_', '.')}@example.org", given_name=key.split("_")[0].title(),
                         family_name=f"Persona{PERSONAS.index(key) if key in PERSONAS else 99}",
                         roles={journal: roles} if roles else None, **extra)

    people = {
        "author": person("author"),
        "coauthor": person("coauthor"),
        "editor": person("editor", Role.EDITOR),
        "handling_editor": person("handling_editor", Role.EDITOR),
        "editor_author": person("editor_author", Role.EDITOR),
        "managing_editor": person("managing_editor", Role.MANAGING_EDITOR),
        "reviewer_invited": person("reviewer_invited", Role.REVIEWER),
        "reviewer_accepted": person("reviewer_accepted", Role.REVIEWER),
        "reviewer_declined": person("reviewer_declined", Role.REVIEWER),
        "reviewer_other_paper": person("reviewer_other_paper", Role.REVIEWER),
        "admin": person("admin", admin=True),
    }
    return people, person("stranger"), person("newcomer", verified=False)


def build_world(state: str, make_journal, make_user) -> World:
    """The journal, the personas and paper P in `state`, made through the services as people would."""
    assert state in STATES, state
    journal = make_journal("matrix", title="Journal of Lunar Access", reference_prefix="MTX",
                           review_mode=ReviewMode.DOUBLE_ANONYMOUS, reviews_required=1,
                           doi_prefix="10.59999", peer_review_publication=PeerReviewPublication.ALWAYS)
    people, stranger, newcomer = _people(journal, make_user)
    manager = people["managing_editor"]
    world = World(state, journal, people)
    v = world.values
    v.update(slug=journal.slug, section=journal.sections[0].id, year=utcnow().year)

    # Q: a stranger's paper, under review by the reviewer of another paper.
    other = _paper(stranger, journal, "Dust levitation at the terminator")
    editorial.send_to_review(manager, other)
    _a, token = invitation_service.invite_reviewer(manager, other, user_id=people["reviewer_other_paper"].id)
    v["Aq"] = invitation_service.accept_invitation(token).id

    p = _paper(people["author"], journal, "Regolith cohesion from rover wheel tracks",
               coauthors=[people["coauthor"], people["editor_author"]], latex=True)
    v["P"] = p.id
    compiled = latex_service.latest_compile(p, 1)
    v["latex"], v["source"] = compiled.id, compiled.source_file_id
    v["file"] = next(f.id for f in p.files if f.kind is FileKind.MANUSCRIPT)
    v["contributor"] = next(c.id for c in p.contributors if c.user_id == people["coauthor"].id)
    v["objection_token"] = service.objection_token(db.session.get(Contributor, v["contributor"]))
    v["file_token"] = link_in(get_storage().download_url(p.files[0].storage_key, filename="m.pdf",
                                                         media_type="application/pdf", expires_in=3600))[7:]
    journals.post_announcement(manager, journal, title="Call for papers", body="On lunar dust.")
    v["announcement"] = journals.announcements_of(journal)[0].id
    issue = issue_service.create_issue(manager, journal, volume=1, number=1, year=v["year"])
    v["issue"] = issue.id
    # A message of the authors to the editors, with a file (journal/services/conversations.py).
    v["Ma"] = conversations.post_message(people["author"], p, None, "A question for the editors.",
                                         io.BytesIO(b"Notes."), "notes.txt").id

    if state != "submitted":
        editorial.assign_handling_editor(manager, p, people["handling_editor"].id)
        handler = people["handling_editor"]
        editorial.send_to_review(handler, p)
        tokens = {}
        for who in ("reviewer_invited", "reviewer_accepted", "reviewer_declined"):
            assignment, tokens[who] = invitation_service.invite_reviewer(handler, p, user_id=people[who].id)
            v[{"reviewer_invited": "Ai", "reviewer_accepted": "A", "reviewer_declined": "Ad"}[who]] = assignment.id
        v["invitation_token"] = tokens["reviewer_invited"]
        if state != "invited":
            accepted = invitation_service.accept_invitation(tokens["reviewer_accepted"])
            invitation_service.decline_invitation(tokens["reviewer_declined"], reason="Travelling.")
        if state != "invited":  # the accepted reviewer writes to the editors, with a file
            v["Mr"] = conversations.post_message(people["reviewer_accepted"], p, accepted, "A question.",
                                                 io.BytesIO(b"Notes."), "notes.txt").id
        if state in ("reviewed", "revision"):
            _review(people["reviewer_accepted"], accepted)
        if state == "revision":
            editorial.decide(handler, p, kind="major_revision", letter="Dear authors, please revise.")
        if state in ("production", "published"):
            _review(people["reviewer_accepted"], accepted, recommendation="accept")
            editorial.decide(handler, p, kind="accept", letter="Dear authors, your paper is accepted.")
            article = production.start_production(manager, p)
            production.upload_galley(manager, article, io.BytesIO(manuscript_pdf(["Galley", "Page 1"])), "final.pdf")
            production.confirm_metadata(manager, article, **production.metadata_of(article.current_version))
            v["full_text"] = _full_text(article)
            proof_service.request_proofs(manager, article)
            v["article"] = article.id
            v["galley"] = article.current_version.galley.id
        if state == "published":
            proof_service.approve_proofs(people["author"], article)
            issue_service.schedule_article(manager, article, issue_id=issue.id, first_page=1, last_page=1)
            issue_service.publish_issue(manager, issue)
        attachment = db.session.scalar(select(SubmissionFile.id).where(
            SubmissionFile.submission_id == p.id, SubmissionFile.kind == FileKind.REVIEW_ATTACHMENT))
        if attachment is not None:
            v["attachment"] = attachment

    v["membership"] = db.session.scalar(select(Membership.id).where(Membership.user_id == people["editor"].id))
    accounts.resend_verification(newcomer)
    accounts.request_password_reset(stranger.email)
    for kind, who in (("verify", newcomer), ("reset", stranger)):
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == who.email)
                                  .order_by(OutboxMessage.id.desc())).first()
        v[f"{kind}_token"] = link_in(mail.body_text).rsplit("/", 1)[1]
    v["message"] = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id))
    v["user"] = stranger.id
    db.session.commit()
    return world


def due_in(days: int):
    return (utcnow() + timedelta(days=days)).date().isoformat()


def _full_text(article) -> int:
    """An HTML full text with one figure (f.png), as the make_full_text job leaves it (tests/test_full_text.py
    makes real ones): rows and objects, without the job queue."""
    storage = get_storage()
    source = storage.put(new_key(f"full-texts/{article.id}"), io.BytesIO(b"<article/>"), media_type="application/xml")
    figure = storage.put(new_key(f"full-texts/{article.id}"), io.BytesIO(b"\x89PNG\r\n"), media_type="image/png")
    full_text = FullText(article=article, source=FullTextSource.JATS, source_key=source.key, source_name="a.xml",
                         html='<section id="ft-s1"><h2>One</h2><figure><img src="fig/f.png" alt=""></figure></section>',
                         toc=[["ft-s1", "One", 1]], error="", log="", status=FullTextStatus.SUCCEEDED,
                         figures=[FullTextFigure(name="f.png", storage_key=figure.key, media_type="image/png",
                                                 size=figure.size, sha256=figure.sha256)])
    article.current_version.full_text = full_text
    db.session.commit()
    return full_text.id
