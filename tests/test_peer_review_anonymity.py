"""Published peer review leaks nothing (issue 18), tested with the anonymity crawler (tests/test_anonymity.py).

A paper is reviewed through the services by three reviewers, each writing distinctive confidential comments to the
editor: one chose to be named, one stayed anonymous, the third did not agree to publication. Once the article is
published (the journal publishes peer review with consent; the authors agreed; the publication step of
services/peer_review.py makes the snapshot: the two consented reports and the decision letter), a visitor crawls every public page from the home page, following the links of the pages
and of every XML and JSON answer on the site (sitemaps, feeds, the API), plus the JATS, every OAI-PMH verb in every
metadata format the repository lists, and the managing editors' Crossref deposits (articles and peer review).
Nowhere may the anonymous reviewer's name or e-mail, any confidential comment, or the withheld report appear; the
named reviewer and the published reports do.
"""

import io
import re
from urllib.parse import quote, urlsplit

from lxml import etree

from journal.extensions import db
from journal.models import PeerReviewPublication, PublishedReviewKind, Role
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import reviews as review_service
from journal.services import submissions as submission_service
from tests.pdfs import manuscript_pdf
from tests.test_anonymity import crawl
from tests.test_production import published_article

NAMED = ("Rosalind", "Thorvaldsen", "rosalind.thorvaldsen@example.org", "0000-0002-1694-233X")
ANONYMOUS = ("Benedikt", "Kowalczyk-Zarembski", "benedikt.kz@example.org")
WITHHELD = ("Ottoline", "Vasquez-Hargreave", "ottoline.vh@example.org")
TEXTS = {
    "named": "NAMED-PUBLISHED-TEXT: the cohesion estimate is convincing.",
    "anonymous": "ANONYMOUS-PUBLISHED-TEXT: the slip of the wheels needs error bars.",
    "withheld": "WITHHELD-REPORT-TEXT: the third reviewer did not agree to publication.",
}
CONFIDENTIAL = {key: f"CONFIDENTIAL-TO-EDITOR-{key.upper()}: a possible conflict with a rival lab."
                for key in TEXTS}
LETTER_TEXT = "DECISION-LETTER-TEXT: your paper is accepted."
URL = re.compile(r"""https?://(?:journal\.test|localhost)(/[^\s"'<>\\{}]*)""")


def reviewed_and_published(make_journal, make_user):
    journal = make_journal("jdse", title="Journal of Deep Space Exploration", reference_prefix="JDSE",
                           doi_prefix="10.59999", issn_online="2049-3630")
    people = {
        "manager": make_user("lena@example.org", given_name="Lena", family_name="Sato",
                             roles={journal: Role.MANAGING_EDITOR}),
        "author": make_user("mei@example.org", given_name="Mei", family_name="Chen"),
    }
    for key, person in (("named", NAMED), ("anonymous", ANONYMOUS), ("withheld", WITHHELD)):
        people[key] = make_user(person[2], given_name=person[0], family_name=person[1],
                                roles={journal: Role.REVIEWER})
    journal.peer_review_publication = PeerReviewPublication.WITH_CONSENT
    named = people["named"]
    named.orcid = NAMED[3]
    db.session.commit()
    submission = _reviewed_and_accepted(journal, people)
    # The real publication step (services/peer_review.py) makes what readers get, inside the publication.
    article = published_article(journal, submission, people)
    kinds = [(item.kind, item.label_number, item.reviewer_name) for item in article.published_reviews]
    assert kinds == [(PublishedReviewKind.REFEREE_REPORT, 1, f"{NAMED[0]} {NAMED[1]}"),
                     (PublishedReviewKind.REFEREE_REPORT, 2, None),
                     (PublishedReviewKind.DECISION_LETTER, None, None)], kinds  # the third report withheld
    return journal, article, people


def _reviewed_and_accepted(journal, people):
    """Submitted, reviewed by the three (each with comments to the authors and confidential comments to the editor)
    and accepted, through the services."""
    author, manager = people["author"], people["manager"]
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Regolith cohesion", keywords="moon, regolith",
                                  abstract="Wheel tracks of a lunar rover constrain the cohesion of the regolith.")
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf(["Regolith cohesion"])),
                                         "m.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[],
                                      authors_agree_to_publish_reviews=True)
    if submission_service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    submission_service.submit(author, submission)
    editorial.send_to_review(manager, submission)
    for key in TEXTS:
        _assignment, token = invitation_service.invite_reviewer(manager, submission, user_id=people[key].id)
        assignment = invitation_service.accept_invitation(token)
        review_service.save_review(people[key], assignment, scores={"originality": 4, "significance": 4,
                                                                    "soundness": 4, "clarity": 4},
                                   recommendation="accept", comments_to_authors=TEXTS[key],
                                   confidential_comments=CONFIDENTIAL[key],
                                   consent_to_publish=key != "withheld", name_published=key == "named")
        review_service.submit_review(people[key], assignment)
    editorial.decide(manager, submission, kind="accept", letter=LETTER_TEXT)
    return submission


def crawl_everything(client, start: list[str]) -> dict[str, str]:
    """The crawl of tests/test_anonymity.py, also following the site's addresses named in XML and JSON answers (the
    sitemaps' <loc>, the feed's links, the API's urls) until nothing new is found."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo and len(seen) < 400:
        found = crawl(client, todo)
        seen.update(found)
        todo = []
        for text in found.values():
            for path in URL.findall(text):
                parts = urlsplit(path)
                address = parts.path + (f"?{parts.query}" if parts.query else "")
                if address not in seen and address not in todo and not parts.path.startswith("/static"):
                    todo.append(address)
    return seen


def oai_urls(client, article) -> list[str]:
    formats = etree.fromstring(client.get("/oai?verb=ListMetadataFormats").data)
    prefixes = formats.xpath("//o:metadataPrefix/text()", namespaces={"o": "http://www.openarchives.org/OAI/2.0/"})
    assert "oai_dc" in prefixes
    identifier = quote(f"oai:journal.test:article/{article.id}")
    urls = ["/oai?verb=Identify", "/oai?verb=ListSets"]
    for prefix in prefixes:
        urls += [f"/oai?verb=ListRecords&metadataPrefix={prefix}", f"/oai?verb=ListIdentifiers&metadataPrefix={prefix}",
                 f"/oai?verb=GetRecord&metadataPrefix={prefix}&identifier={identifier}"]
    return urls


def test_published_peer_review_never_names_the_anonymous_nor_shows_what_was_withheld(client, login, make_journal,
                                                                                       make_user):
    journal, article, people = reviewed_and_published(make_journal, make_user)
    slug, page = journal.slug, f"/j/{journal.slug}/articles/{article.id}"
    start = ["/", f"/j/{slug}/", page, f"{page}/peer-review", f"{page}/jats.xml", "/sitemap.xml",
             f"/j/{slug}/feed.atom", "/robots.txt", "/api/v1/journals", f"/api/v1/journals/{slug}",
             f"/api/v1/journals/{slug}/articles", f"/api/v1/journals/{slug}/issues",
             f"/api/v1/journals/{slug}/articles/{article.id}",
             f"/api/v1/journals/{slug}/issues/{article.issue_id}/articles", "/api/v1/search?q=regolith",
             *oai_urls(client, article)]
    seen = crawl_everything(client, start)
    assert any(url.startswith("/sitemaps/articles-") for url in seen), sorted(seen)  # followed from the index
    assert any(url.startswith("/oai?verb=GetRecord") for url in seen)

    login(people["manager"])
    for url in (f"/production/{slug}/issues/{article.issue_id}/crossref.xml",
                f"/production/{slug}/issues/{article.issue_id}/crossref-peer-review.xml",
                f"/production/{slug}/submissions/{article.submission_id}/crossref-peer-review.xml"):
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = response.get_data(as_text=True)
    client.post("/logout")

    secrets = [f"{ANONYMOUS[0]} {ANONYMOUS[1]}", ANONYMOUS[1], ANONYMOUS[2], f"{WITHHELD[0]} {WITHHELD[1]}",
               WITHHELD[1], WITHHELD[2], NAMED[2], TEXTS["withheld"], *CONFIDENTIAL.values(), "CONFIDENTIAL-TO-EDITOR"]
    for where, text in seen.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} at {where}"

    # What was published is there: the named reviewer with their ORCID iD, both reports, the anonymous one by label.
    jats = seen[f"{page}/jats.xml"]
    assert f"{NAMED[0]} {NAMED[1]}" in jats and NAMED[3] in jats
    assert TEXTS["named"] in jats and TEXTS["anonymous"] in jats and LETTER_TEXT in jats
    assert "Reviewer 2" in jats
    assert f"{NAMED[0]} {NAMED[1]}" in seen[page]  # the JSON-LD's review author
    deposit = seen[f"/production/{slug}/issues/{article.issue_id}/crossref-peer-review.xml"]
    assert NAMED[1] in deposit and NAMED[3] in deposit and deposit.count("<anonymous ") == 2  # reviewer 2, editor
    for url, text in seen.items():
        if url.startswith("/oai?verb=GetRecord"):
            assert f"https://doi.org/{article.doi}.r1.2" in text  # the anonymous report's DOI, related
