"""Anonymity in every channel, by crawling: each person follows every link they can reach (pages, downloads,
file names, the files' text and document properties) and we read every mail they got.

A paper goes through a whole cycle first (two reviews with an attachment, a decision, a revision, round 2,
reminders, ratings, a corrected review), so that every page has something to show. Then, per review mode:
- a reviewer must not meet an author's name, email or affiliation (double and triple anonymous), nor the
  other reviewer's name (every mode but open);
- the author must not meet a reviewer's name or email, the confidential comments, nor the editor's ratings
  (every mode; in open review a consenting reviewer is named after the decision);
- a triple-anonymous handling editor must not meet an author's identity.
"""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import lxml.html
import pytest
from pypdf import PdfReader

from journal.extensions import db
from journal.models import DecisionKind, ReviewMode, Role, utcnow
from journal.services import contributors as contributor_service
from journal.services import conversations as conversation_service
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import review_attachments as review_attachment_service
from journal.services import review_handling as review_handling_service
from journal.services import reviews as review_service
from journal.services import shared_reviews
from journal.services import submissions as service
from journal.services.reminders import send_reminders
from tests.pdfs import manuscript_pdf

AUTHOR = ("Xiaoming", "Qiu", "xiaoming.qiu@example.org", "Institute of Regolith Studies")
COAUTHOR = ("Oyelaran", "Adeyemi-Voss", "oyelaran@example.org", "Lagos Lunar Centre")
REVIEWER = ("Rosalind", "Thorvaldsen", "rosalind@example.org")
OTHER_REVIEWER = ("Benedikt", "Kowalczyk", "benedikt@example.org")
CONFIDENTIAL = "Confidential-only remark: possible duplicate publication."


def identity(person) -> list[str]:
    given, family, email, *rest = person
    return [f"{given} {family}", family, email, *rest]


def build(make_journal, make_user, mode: ReviewMode, *, more_authors=()):
    """`more_authors`: (person, role or None) co-authors with an account, listed after COAUTHOR (who has none)."""
    journal = make_journal("anon", reference_prefix="ANON", review_mode=mode, reviews_required=2,
                           reviewers_see_reviews=True)
    author = make_user(AUTHOR[2], given_name=AUTHOR[0], family_name=AUTHOR[1], affiliation=AUTHOR[3])
    for person, role in more_authors:
        make_user(person[2], given_name=person[0], family_name=person[1], affiliation=person[3],
                  roles={journal: role} if role else None)
    people = {
        "author": author,
        "manager": make_user("manager@example.org", given_name="Mona", family_name="Manager",
                             roles={journal: Role.MANAGING_EDITOR}),
        "editor": make_user("editor@example.org", given_name="Eddie", family_name="Editor",
                            roles={journal: Role.EDITOR}),
        "reviewer": make_user(REVIEWER[2], given_name=REVIEWER[0], family_name=REVIEWER[1],
                              roles={journal: Role.REVIEWER}),
        "other": make_user(OTHER_REVIEWER[2], given_name=OTHER_REVIEWER[0], family_name=OTHER_REVIEWER[1],
                           roles={journal: Role.REVIEWER}),
    }
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Regolith cohesion from rover wheel tracks",
                                  keywords="moon, regolith",
                                  abstract="Wheel tracks of a lunar rover constrain the cohesion of the regolith.")
    contributor_service.add_contributor(author, submission, given_name=COAUTHOR[0], family_name=COAUTHOR[1],
                                        email=COAUTHOR[2],
                                        affiliation=COAUTHOR[3], country="NG")
    for person, _role in more_authors:
        contributor_service.add_contributor(author, submission, given_name=person[0], family_name=person[1],
                                            email=person[2],
                                            affiliation=person[3], country="NO")
    pdf = manuscript_pdf(["Regolith cohesion from rover wheel tracks", "Anonymous authors"], ["Results."],
                         properties={"/Author": f"{AUTHOR[0]} {AUTHOR[1]}", "/Subject": AUTHOR[2]})
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(pdf), f"{AUTHOR[1].lower()}-cohesion.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.submit(author, submission)
    editorial.assign_handling_editor(people["manager"], submission, people["editor"].id)
    editorial.send_to_review(people["editor"], submission)
    assignments = {}
    for who in ("reviewer", "other"):
        _a, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people[who].id)
        assignments[who] = invitation_service.accept_invitation(token)
    # Reminders before the due date, while the reviews are being written.
    send_reminders(assignments["reviewer"].due_at - timedelta(days=1))
    for who, person in (("reviewer", REVIEWER), ("other", OTHER_REVIEWER)):
        review_service.save_review(
            people[who], assignments[who], scores={"originality": 4, "significance": 4, "soundness": 3, "clarity": 4},
            recommendation="major_revision", confidential_comments=f"{CONFIDENTIAL} ({who})",
            comments_to_authors=f"Comments of {who}: please quantify the slip of the wheels.",
            consent_to_name=True if mode is ReviewMode.OPEN else None)
        attachment = manuscript_pdf([f"Annotated notes by {who}"], properties={"/Author": " ".join(person[:2])})
        file = review_attachment_service.add_review_attachment(people[who], assignments[who], io.BytesIO(attachment),
                                                               f"{person[1]}-notes.pdf")
        # Named in its document properties only (the copy kept has none); the reviewer confirmed after seeing it.
        shared_reviews.confirm_review_attachment(people[who], assignments[who], file.id)
        review_service.submit_review(people[who], assignments[who])
    # The paper's conversations (journal/services/conversations.py): each side writes, with a file named after
    # its writer and carrying their name in its document properties; the reviewer signs their message.
    note = manuscript_pdf(["A note on the word limit"], properties={"/Author": f"{AUTHOR[0]} {AUTHOR[1]}"})
    conversation_service.post_message(author, submission, None, "Could you confirm the word limit?",
                                      io.BytesIO(note), f"{AUTHOR[1].lower()}-note.pdf")
    conversation_service.post_message(people["editor"], submission, None, "Eight thousand words.")
    extra = manuscript_pdf([f"Further notes by {REVIEWER[0]} {REVIEWER[1]}"],
                           properties={"/Author": f"{REVIEWER[0]} {REVIEWER[1]}"})
    conversation_service.post_message(people["reviewer"], submission, assignments["reviewer"],
                                      f"May I have a week more? {REVIEWER[0]} {REVIEWER[1]}", io.BytesIO(extra),
                                      f"{REVIEWER[1]}-extra.pdf")
    conversation_service.post_message(people["editor"], submission, assignments["reviewer"], "Of course.")
    review_handling_service.rate_review(people["editor"], assignments["reviewer"], 5, 4)
    review_handling_service.correct_review(people["editor"], assignments["other"],
                                           "Comments of other: please quantify the slip of the wheels (edited).")
    editorial.decide(people["editor"], submission, kind=DecisionKind.MAJOR_REVISION,
                     letter=editorial.default_decision_letter(  # as the decision page drafts it for this editor
                         submission, DecisionKind.MAJOR_REVISION, show_names=mode is not ReviewMode.TRIPLE_ANONYMOUS))
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(pdf), "revised.pdf")
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.resubmit(author, submission, response="We quantified the slip.")
    invitation_service.send_to_previous_reviewers(people["editor"], submission)
    return journal, submission, people


def crawl(client, start: list[str], limit: int = 250) -> dict[str, str]:
    """Every page and file reachable by GET links from `start`: {url: text}, files as their name, text and
    document properties. Logging out and other POST actions are forms, never links, so a crawl changes nothing."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo and len(seen) < limit:
        url = todo.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        hops = 0
        while response.status_code in (301, 302, 303) and hops < 3:
            location = response.headers["Location"]
            parts = urlsplit(location)
            if parts.netloc and parts.netloc not in ("localhost", "journal.test"):
                break
            response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
            hops += 1
        kind = response.headers.get("Content-Type", "")
        body = response.get_data()
        if kind.startswith("text/html"):
            text = body.decode()
            seen[url] = text
            for href in lxml.html.fromstring(text).xpath("//a/@href"):
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static"):
                    continue
                todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        elif body[:5] == b"%PDF-":
            reader = PdfReader(io.BytesIO(body))
            metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
            xmp = reader.trailer["/Root"].get("/Metadata")
            seen[url] = " ".join([response.headers.get("Content-Disposition", ""), metadata,
                                  xmp.get_object().get_data().decode(errors="replace") if xmp else "",
                                  *(page.extract_text() or "" for page in reader.pages)])
        else:
            seen[url] = response.headers.get("Content-Disposition", "") + body.decode(errors="replace")
    return seen


def assert_absent(texts: dict[str, str], secrets: list[str], who: str) -> None:
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"{who} met {secret!r} at {where}"


def mails_to(outbox, address: str) -> dict[str, str]:
    return {f"mail {m.id}: {m.subject}": f"{m.subject}\n{m.body_text}\n{m.body_html or ''}" for m in outbox(address)}


def crawl_as(client, login, user) -> dict[str, str]:
    login(user)
    pages = crawl(client, ["/", "/home", "/review/", "/my/submissions", "/account/profile", "/account/reviews",
                           "/editorial/"])
    client.post("/logout")
    return pages


@pytest.mark.parametrize("mode", [ReviewMode.DOUBLE_ANONYMOUS, ReviewMode.TRIPLE_ANONYMOUS,
                                  ReviewMode.SINGLE_ANONYMOUS, ReviewMode.OPEN])
def test_nothing_reachable_breaks_the_modes_anonymity(client, login, make_journal, make_user, outbox, mode):
    journal, submission, people = build(make_journal, make_user, mode)
    authors = identity(AUTHOR) + identity(COAUTHOR)

    reviewer_pages = crawl_as(client, login, people["reviewer"])
    assert len(reviewer_pages) >= 15, sorted(reviewer_pages)  # the account, My reviews, the review, its files…
    assert any(re.search(r"/review/assignments/\d+/manuscript", url) for url in reviewer_pages), \
        "the crawl did not reach the manuscript"
    assert any("/attachments/" in url for url in reviewer_pages), "the crawl did not reach the other's attachment"
    reviewer_sees = {**reviewer_pages, **mails_to(outbox, REVIEWER[2])}
    if mode in (ReviewMode.DOUBLE_ANONYMOUS, ReviewMode.TRIPLE_ANONYMOUS):
        assert_absent(reviewer_sees, authors, "the reviewer")
    else:
        assert any(AUTHOR[1] in text for text in reviewer_pages.values()), "single/open: the reviewer sees authors"
    assert any(url.endswith("/messages") for url in reviewer_pages), "the crawl did not reach the conversation"
    if mode is not ReviewMode.OPEN:
        assert_absent(reviewer_sees, identity(OTHER_REVIEWER), "the reviewer (about the other reviewer)")
    assert_absent(reviewer_sees, [f"{CONFIDENTIAL} (other)"], "the reviewer (another's confidential comments)")

    author_pages = crawl_as(client, login, people["author"])
    assert len(author_pages) >= 15, sorted(author_pages)
    assert any("please quantify the slip" in text for text in author_pages.values()), \
        "the crawl did not reach the shared reviews"
    assert any(url.endswith("/messages") for url in author_pages), "the crawl did not reach the conversation"
    assert any("Eight thousand words." in text for text in author_pages.values())
    assert not any("May I have a week more?" in text for text in author_pages.values())  # the reviewer's thread
    author_sees = {**author_pages, **mails_to(outbox, AUTHOR[2]), **mails_to(outbox, COAUTHOR[2])}
    assert_absent(author_sees, [CONFIDENTIAL, "Rating", "rating"], "the author")
    if mode is ReviewMode.OPEN:
        assert any(REVIEWER[1] in text for text in author_pages.values()), "open review names consenting reviewers"
    else:
        assert_absent(author_sees, identity(REVIEWER) + identity(OTHER_REVIEWER), "the author")

    if mode is ReviewMode.TRIPLE_ANONYMOUS:
        editor_pages = crawl_as(client, login, people["editor"])
        assert any(f"/submissions/{submission.id}" in url for url in editor_pages)
        assert any("/messages/authors/files/" in url for url in editor_pages), "the crawl did not reach the file"
        assert_absent({**editor_pages, **mails_to(outbox, "editor@example.org")}, authors, "the handling editor")
