"""Published peer review made directly as `PublishedReview` rows on a published article (tests/published.py), NOT
through the publication step (services/peer_review.py, tested in its own file): for the tests of the outputs that
read them (Crossref, JATS, OAI-PMH, JSON-LD, the anonymity crawl).

`two_rounds` is the usual review of a paper: round 1 with a named reviewer (with an ORCID iD), an anonymous one and
the decision letter; round 2 with the authors' response, the named reviewer's second report and the decision.
"""

from datetime import UTC, datetime, timedelta

from journal.extensions import db
from journal.models import PublishedReview, PublishedReviewKind

NAMED = ("Rosalind Thorvaldsen", "0000-0002-1694-233X")
REPORT, LETTER, RESPONSE = (PublishedReviewKind.REFEREE_REPORT, PublishedReviewKind.DECISION_LETTER,
                            PublishedReviewKind.AUTHOR_RESPONSE)


def add_review(article, kind=REPORT, *, round_number=1, position=1, label_number=None, name=None, orcid=None,
               recommendation=None, body="A report.", written_at=None, with_doi=True, commit=True) -> PublishedReview:
    """One published item; its DOI `<article DOI>.r<round>.<position>` where the article has one."""
    published = article.published_at or datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    review = PublishedReview(
        article=article, kind=kind, round_number=round_number, position=position,
        label_number=label_number if kind is REPORT else None, reviewer_name=name, reviewer_orcid=orcid,
        recommendation=recommendation, body=body,
        written_at=written_at or published - timedelta(days=60 - 20 * round_number),
        published_at=published,
        doi=f"{article.doi}.r{round_number}.{position}" if with_doi and article.doi else None)
    db.session.add(review)
    if commit:
        db.session.commit()
    return review


def two_rounds(article, *, named=NAMED, anonymous_text="The anonymous reviewer asks for error bars.",
               named_text="The named reviewer finds the method sound.") -> list[PublishedReview]:
    """Six items in two rounds, in the order readers see them."""
    items = [
        add_review(article, round_number=1, position=1, label_number=1, name=named[0], orcid=named[1],
                   recommendation="minor_revision", body=named_text, commit=False),
        add_review(article, round_number=1, position=2, label_number=2, recommendation="major_revision",
                   body=f"{anonymous_text}\n\nSecond paragraph: *please* quantify $\\sigma$.", commit=False),
        add_review(article, LETTER, round_number=1, position=3, body="Dear authors, please revise.", commit=False),
        add_review(article, RESPONSE, round_number=2, position=0, body="We added the error bars.", commit=False),
        add_review(article, round_number=2, position=1, label_number=1, name=named[0], orcid=named[1],
                   recommendation="accept", body="Thank you: accept.", commit=False),
        add_review(article, LETTER, round_number=2, position=2, body="Dear authors, accepted.", commit=False),
    ]
    db.session.commit()
    db.session.refresh(article)
    return items
