"""Anonymity for every persona of the access matrix (issue 11), by crawling as in tests/test_anonymity.py: each
person follows every link they can reach (pages, downloads, file names, PDF text, metadata and XMP) and we read
every mail they got, in each review mode, on the same whole cycle (build()), with more people around the paper:

- a co-author with an account, and an editor of the journal who is a co-author: as the authors, they never meet a
  reviewer's name or address (but in open review, consenting reviewers after the decision), the confidential
  comments, nor the editors' ratings;
- a reviewer who declined, and a reviewer of another paper of the journal: never an author (double and triple
  anonymous; the reviewer of another paper in no mode, the paper is not theirs), nor another reviewer, nor the
  confidential comments;
- an editor who does not handle the paper: in triple-anonymous journals never an author;
- a visitor: nothing of the unpublished paper's people at all.
"""

import io

import pytest

from journal.models import ReviewMode, Role
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as service
from tests.pdfs import manuscript_pdf
from tests.test_anonymity import (AUTHOR, CONFIDENTIAL, COAUTHOR, OTHER_REVIEWER, REVIEWER, assert_absent, build,
                                  crawl, crawl_as, identity, mails_to)

ACCOUNT_COAUTHOR = ("Henrietta", "Vasquez-Lindgren", "henrietta@example.org", "Atacama Dust Observatory")
EDITOR_AUTHOR = ("Ingrid", "Solberg-Amadi", "ingrid@example.org", "Tromsø Space Laboratory")
DECLINED = ("Priyanka", "Ramaswamy-Holt", "priyanka@example.org")
OTHER_PAPER = ("Tomasz", "Wielgoszewski", "tomasz@example.org")
STRANGER = ("Fenella", "Okonkwo-Baird", "fenella@example.org", "Mare Crisium Institute")


def people_around(make_user, journal, submission, people):
    """A reviewer who declines the paper's round-2 invitation; a reviewer who accepted another paper."""
    for key, person in (("declined", DECLINED), ("other_paper", OTHER_PAPER)):
        people[key] = make_user(person[2], given_name=person[0], family_name=person[1], roles={journal: Role.REVIEWER})
    _a, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["declined"].id)
    invitation_service.decline_invitation(token, reason="Travelling.")
    stranger = make_user(STRANGER[2], given_name=STRANGER[0], family_name=STRANGER[1], affiliation=STRANGER[3])
    other = draft_service.start_submission(stranger, journal, section_id=journal.sections[0].id,
                                           checklist_confirmed=True)
    draft_service.update_metadata(stranger, other, title="Dust levitation at the terminator", keywords="moon, dust",
                                  abstract="Charged dust grains rise above the lunar terminator where the surface charge changes sign.")
    manuscript_service.upload_manuscript(stranger, other, io.BytesIO(manuscript_pdf(["Dust levitation"])), "dust.pdf")
    draft_service.update_declarations(stranger, other, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    if service.needs_anonymity_decision(other):
        draft_service.confirm_anonymity(stranger, other)
    service.submit(stranger, other)
    editorial.send_to_review(people["manager"], other)
    _a, token = invitation_service.invite_reviewer(people["manager"], other, user_id=people["other_paper"].id)
    invitation_service.accept_invitation(token)


@pytest.mark.parametrize("mode", [ReviewMode.DOUBLE_ANONYMOUS, ReviewMode.TRIPLE_ANONYMOUS,
                                  ReviewMode.SINGLE_ANONYMOUS, ReviewMode.OPEN])
def test_every_persona_meets_only_whom_the_mode_lets_them(client, login, make_journal, make_user, outbox, mode):
    journal, submission, people = build(make_journal, make_user, mode,
                                        more_authors=[(ACCOUNT_COAUTHOR, None), (EDITOR_AUTHOR, Role.EDITOR)])
    people_around(make_user, journal, submission, people)
    people["coauthor"] = make_user_lookup(ACCOUNT_COAUTHOR[2])
    people["editor_author"] = make_user_lookup(EDITOR_AUTHOR[2])
    people["bystander_editor"] = make_user("bystander@example.org", given_name="Bastian", family_name="Bystander",
                                           roles={journal: Role.EDITOR})
    authors = identity(AUTHOR) + identity(COAUTHOR) + identity(ACCOUNT_COAUTHOR) + identity(EDITOR_AUTHOR)
    reviewers = identity(REVIEWER) + identity(OTHER_REVIEWER) + identity(DECLINED)
    anonymous_mode = mode in (ReviewMode.DOUBLE_ANONYMOUS, ReviewMode.TRIPLE_ANONYMOUS)

    def sees(key, address):
        return {**crawl_as(client, login, people[key]), **mails_to(outbox, address)}

    # The journal's statistics (editors only): the crawl of an editor reaches them and their CSVs; nobody else
    # gets them, not even through a crawl that starts there.
    statistics = [f"/editorial/{journal.slug}/statistics", f"/editorial/{journal.slug}/statistics?period=all",
                  *(f"/editorial/{journal.slug}/statistics/{name}.csv" for name in ("reviewers", "editors", "sections")),
                  # and what readers read (the managing editors only)
                  f"/editorial/{journal.slug}/usage", f"/editorial/{journal.slug}/usage/months.csv",
                  f"/editorial/{journal.slug}/usage/articles.csv"]

    for key, person in (("coauthor", ACCOUNT_COAUTHOR), ("editor_author", EDITOR_AUTHOR)):
        seen = sees(key, person[2])
        assert any(f"/submissions/{submission.id}" in url for url in seen), f"the {key} did not reach the paper"
        if key == "editor_author":
            assert any("/statistics/sections.csv" in url for url in seen), "the editor did not reach the statistics"
        assert_absent(seen, [CONFIDENTIAL, "Rating", "rating"], f"the {key}")
        if mode is not ReviewMode.OPEN:
            assert_absent(seen, reviewers, f"the {key}")
        assert_absent(seen, identity(DECLINED), f"the {key} (about the reviewer who declined)")

    declined = sees("declined", DECLINED[2])
    assert_absent(declined, [CONFIDENTIAL] + identity(REVIEWER) + identity(OTHER_REVIEWER), "the declined reviewer")
    if anonymous_mode:
        assert_absent(declined, authors, "the declined reviewer")

    other_paper = sees("other_paper", OTHER_PAPER[2])
    assert any("/review/assignments/" in url for url in other_paper), "the crawl did not reach the other review"
    assert_absent(other_paper, [CONFIDENTIAL, submission.title] + authors + reviewers, "the reviewer of another paper")

    if mode is ReviewMode.TRIPLE_ANONYMOUS:
        assert_absent(sees("bystander_editor", "bystander@example.org"), authors, "an editor not handling the paper")

    for key in ("coauthor", "declined", "other_paper"):
        login(people[key])
        answers = {url: client.get(url) for url in statistics}
        assert {r.status_code for r in answers.values()} == {403}, key
        assert_absent({url: r.get_data(as_text=True) for url, r in answers.items()},
                      ["Acceptance rate", "handling_editor", "invitations_declined"], f"the {key}, on the statistics")
        client.post("/logout")

    visitor = crawl(client, ["/", f"/j/{journal.slug}/", "/search?q=regolith", "/sitemap.xml",
                                "/sitemaps/pages.xml", "/sitemaps/articles-0.xml"])
    assert_absent(visitor, [CONFIDENTIAL, submission.title] + authors + reviewers, "a visitor")


def make_user_lookup(email: str):
    from journal.services.accounts import find_user_by_email

    return find_user_by_email(email)
