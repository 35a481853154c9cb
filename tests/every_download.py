"""One paper that has been through everything that offers a download: reviewed with an attachment, accepted,
produced (galley, proofs) and published. For the tests that must visit every download route of the site."""

from dataclasses import dataclass

from journal.extensions import db
from journal.models import FileKind
from journal.services import issues as issue_service
from journal.services import shared_reviews
from tests.pdfs import manuscript_pdf
from tests.test_production import ready_article
from tests.test_reviewer_after_decision import (SECOND_COMMENTS, SECOND_CONFIDENTIAL, decide, paper_in_review,
                                                write_review)
from tests.test_reviews import COMMENTS, CONFIDENTIAL


@dataclass(frozen=True)
class Download:
    route: str  # what the coordinator reads in a failure: which of the site's download routes
    who: str | None  # the person of the scenario who opens it; None: a visitor
    url: str


def published_paper_with_every_file(make_journal, make_user):
    """The paper, its people, and every download the site offers for it, each as the person who may open it."""
    submission, people, [first, second] = paper_in_review(make_journal, make_user, doi_prefix="10.59999")
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL,
                 attachment=manuscript_pdf("Line-by-line notes on the heat-flow model."))
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    decide(people, submission, kind="accept")
    journal = submission.journal
    issue = issue_service.create_issue(people["manager"], journal, volume=1, number=1, year=2026)
    article = ready_article(submission, people["manager"], people["author"], issue=issue)
    issue_service.publish_issue(people["manager"], issue)
    db.session.expire_all()

    def file_of(kind: FileKind):
        return next(f for f in submission.files if f.kind is kind)

    manuscript, attachment = file_of(FileKind.MANUSCRIPT), shared_reviews.attachment_of(first)
    galley, base = file_of(FileKind.GALLEY), f"/submissions/{submission.id}"
    editorial = f"/editorial/jdse/submissions/{submission.id}"
    downloads = [
        Download("editorial.download", "editor", f"{editorial}/files/{manuscript.id}"),
        Download("editorial.review_attachment", "editor",
                 f"{editorial}/reviews/{first.id}/attachments/{attachment.id}"),
        Download("review.manuscript", "reviewer", f"/review/assignments/{first.id}/manuscript"),
        Download("review.attachment", "reviewer", f"/review/assignments/{first.id}/attachments/{attachment.id}"),
        Download("author.download", "author", f"{base}/files/{manuscript.id}"),
        Download("author.review_attachment", "author", f"{base}/reviews/files/{attachment.id}"),
        Download("author.proof_galley", "author", f"{base}/proofs/galley"),
        Download("production.download", "manager", f"/production/jdse/submissions/{submission.id}/files/{galley.id}"),
        Download("public.article_pdf", None, f"/j/jdse/articles/{article.id}/pdf"),
    ]
    return submission, article, people, downloads


def open_as(client, login, people, download: Download):
    """GET the download route as its person (a fresh session each time)."""
    client.post("/logout")
    if download.who:
        login(people[download.who])
    return client.get(download.url)

