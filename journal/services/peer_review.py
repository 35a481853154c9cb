"""Peer review published with the article (issue 18): what is published, and the one step that publishes it.

The rule (`plan`):
- Nothing where the journal never publishes peer review, or where it publishes with consent and the authors did
  not agree (`Submission.authors_agree_to_publish_reviews`).
- Reports: the submitted reviews of decided rounds that the authors were shown (`Review.shared_with_authors`),
  as the authors received them (`Review.comments_for_authors`: the editor's corrected copy where there is one);
  never the confidential comments, never an attachment or its name. Where the journal publishes with consent,
  only the reports whose reviewer agreed (`Review.consent_to_publish`). Each under the label the authors read
  (`shared_reviews.authors_numbers`, the same in every round); the reviewer's name and ORCID iD are copied only
  when they chose to be named (`Review.name_published`), otherwise nothing about them is stored.
- Decision letters, as sent (`Decision.letter`). A letter carries the comments of the reviews it was sent with
  (`editorial.default_decision_letter`); where a report of its round is not published, that report's text is
  taken out of the letter (the "Reviewer n:" block it was sent in gives way to a line saying it is not published);
  if any paragraph of it is still found in the letter (the editor rewrote the block), the letter is not published.
- The authors' response to each round's decision (`ReviewRound.author_response`, rounds 2 and later), under the
  same check: a response quoting a report that is not published is not published.
- Dates: the review's submission, the decision's, the revised version's (the round's opening). DOIs:
  `<article DOI>.r<round>.<n>`, n the item's place in its round (only when the article has a DOI).

`publish_peer_review` runs inside the publication's own transaction (issue publication and online first,
`services/issues.py`), once: an article whose review is published already (a correction, a later issue) gets
nothing again. `plan` is also what the production page shows the editors before publication, with what is
withheld and why.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import exists, select

from journal.audit import audit
from journal.extensions import db
from journal.models import (Article, PeerReviewPublication, PublishedReview, PublishedReviewKind, ReviewAssignment,
                            Submission, SubmissionStatus, User, utcnow)
from journal.permissions import can
from journal.services.errors import DomainError, PermissionDenied
from journal.services.review_assignments import assignments_of
from journal.services.shared_reviews import authors_numbers, decisions_by_round, shown_to_authors
from journal.services.unit import transactional

K = PublishedReviewKind
P = PeerReviewPublication
# A paragraph this long, found in a letter or response, is taken as quoted from the report.
QUOTE_LENGTH = 40

# Why an item is withheld, in the editors' words (translated when shown).
WITHHELD_REASONS = {
    "reviewer_declined": _l("the reviewer did not agree to publish the report"),
    "not_shared": _l("the report was not shared with the authors"),
    "quotes_withheld": _l("it quotes a report that is not published"),
}
NOTHING_REASONS = {
    "never": _l("The journal does not publish peer review (see its settings)."),
    "authors_declined": _l("The authors did not agree to publish the peer review."),
    "published": _l("The peer review was published with the article."),
}


@dataclass
class PlannedItem:
    """One item that will be published, as the rows `publish_peer_review` writes."""

    round_number: int
    position: int
    kind: PublishedReviewKind
    body: str
    written_at: datetime
    label_number: int | None = None
    reviewer_name: str | None = None
    reviewer_orcid: str | None = None
    recommendation: str | None = None
    assignment_id: int | None = None
    decision_id: int | None = None
    doi: str | None = None


@dataclass
class Withheld:
    """An item not published, for the editors: which one and why (they know who reviewed)."""

    round_number: int
    kind: PublishedReviewKind
    label_number: int | None
    reviewer_name: str | None
    reason: str

    @property
    def reason_label(self) -> str:
        return str(WITHHELD_REASONS[self.reason])


@dataclass
class Plan:
    """What the article's publication publishes of its peer review; `nothing` says why there is nothing."""

    items: list[PlannedItem] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    nothing: str | None = None

    @property
    def nothing_label(self) -> str | None:
        return str(NOTHING_REASONS[self.nothing]) if self.nothing else None

    def count(self, kind: PublishedReviewKind) -> int:
        return sum(1 for item in self.items if item.kind is kind)


def publishes(journal) -> bool:
    return journal.peer_review_publication is not P.NEVER


def asks_consent(journal) -> bool:
    return journal.peer_review_publication is P.WITH_CONSENT


# Until acceptance the authors may change their agreement; afterwards it stands for the publication.
CONSENT_CHANGEABLE = (SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED, SubmissionStatus.UNDER_REVIEW,
                      SubmissionStatus.REVISION_REQUESTED)


def consent_changeable(submission: Submission) -> bool:
    return asks_consent(submission.journal) and submission.status in CONSENT_CHANGEABLE


@transactional
def set_authors_agreement(actor: User, submission: Submission, agree: bool) -> bool:
    """The submitting author agrees (or no longer agrees) that the peer review be published with the article, where
    the journal publishes it with consent; until the paper is accepted. Returns whether anything changed."""
    if not can(actor, "submission.author", submission):
        raise PermissionDenied(_("Only the submitting author changes this submission."))
    if not asks_consent(submission.journal):
        raise DomainError(_("This journal does not ask the authors about publishing the peer review."))
    if submission.status not in CONSENT_CHANGEABLE:
        raise DomainError(_("The agreement about publishing the peer review can be changed only until the paper "
                            "is accepted."))
    agree = bool(agree)
    if submission.authors_agree_to_publish_reviews == agree:
        return False
    submission.authors_agree_to_publish_reviews = agree
    audit(actor, "submission.review_publication_consent", submission, agree="yes" if agree else "no")
    return True


def has_published_review(article: Article) -> bool:
    return bool(db.session.scalar(select(exists().where(PublishedReview.article_id == article.id))))


def published_reviews(article: Article) -> list[PublishedReview]:
    """The article's published items, by round and place."""
    return list(db.session.scalars(select(PublishedReview).where(PublishedReview.article_id == article.id)
                                   .order_by(PublishedReview.round_number, PublishedReview.position)))


def by_round(items: list) -> list[tuple[int, list]]:
    """[(round, items)], oldest round first."""
    rounds: dict[int, list] = {}
    for item in items:
        rounds.setdefault(item.round_number, []).append(item)
    return sorted(rounds.items())


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if len(" ".join(p.split())) >= QUOTE_LENGTH]


def _flat(text: str) -> str:
    return " ".join((text or "").split())


def _quotes(text: str, withheld_texts: list[str]) -> bool:
    flat = _flat(text)
    return any(p in flat for body in withheld_texts for p in _paragraphs(body))


def _texts_of(assignment: ReviewAssignment) -> list[str]:
    review = assignment.review
    return [t for t in {review.comments_to_authors, review.comments_for_authors} if t and t.strip()]


def _strip_reports(letter: str, removed: list[tuple[int, list[str]]]) -> str:
    """The letter without the "Reviewer n:" blocks of the reports that are not published (as the letter template
    writes them: the label on its line, then the comments)."""
    for number, texts in removed:
        for text in texts:
            for label in {f"Reviewer {number}:", _("Reviewer %(number)s", number=number) + ":"}:
                block = f"{label}\n{text.strip()}"
                if block in letter:
                    letter = letter.replace(block, f"{label}\n" + _("[This report is not published.]"))
            if text.strip() in letter:
                letter = letter.replace(text.strip(), _("[This report is not published.]"))
    return letter


def plan(submission: Submission, article: Article | None = None) -> Plan:
    """What publishing the article will publish of its peer review, and what it withholds and why."""
    journal = submission.journal
    policy = journal.peer_review_publication
    if policy is P.NEVER:
        return Plan(nothing="never")
    if policy is P.WITH_CONSENT and not submission.authors_agree_to_publish_reviews:
        return Plan(nothing="authors_declined")
    decisions = decisions_by_round(submission)
    numbers = authors_numbers(submission)
    result = Plan()
    assignments = [a for a in assignments_of(submission) if a.review is not None and a.review.is_submitted]
    rounds = sorted({r.number for r in submission.rounds} | set(decisions))
    withheld_by_round: dict[int, list[tuple[int, list[str]]]] = {}
    for number in rounds:
        position = 0
        in_round = [a for a in assignments if a.round.number == number]
        withheld_texts: list[tuple[int, list[str]]] = []
        reports = []
        for assignment in in_round:
            review = assignment.review
            shown = number in decisions and shown_to_authors(assignment) and assignment.label_number in numbers
            label = numbers.get(assignment.label_number)
            if not shown:
                result.withheld.append(Withheld(number, K.REFEREE_REPORT, label, assignment.reviewer_name,
                                                "not_shared"))
                withheld_texts.append((label or assignment.label_number, _texts_of(assignment)))
                continue
            if policy is P.WITH_CONSENT and not review.consent_to_publish:
                result.withheld.append(Withheld(number, K.REFEREE_REPORT, label, assignment.reviewer_name,
                                                "reviewer_declined"))
                withheld_texts.append((label, _texts_of(assignment)))
                continue
            reports.append((label, assignment))
        withheld_by_round[number] = withheld_texts
        previous = withheld_by_round.get(number - 1, [])
        round_ = next((r for r in submission.rounds if r.number == number), None)
        if number >= 2 and round_ is not None and round_.author_response.strip():
            if _quotes(round_.author_response, [t for _n, texts in previous for t in texts]):
                result.withheld.append(Withheld(number, K.AUTHOR_RESPONSE, None, None, "quotes_withheld"))
            else:
                position += 1
                result.items.append(PlannedItem(number, position, K.AUTHOR_RESPONSE, round_.author_response,
                                                round_.opened_at))
        for label, assignment in sorted(reports, key=lambda pair: pair[0]):
            review = assignment.review
            named = review.name_published and assignment.reviewer is not None
            position += 1
            result.items.append(PlannedItem(
                number, position, K.REFEREE_REPORT, review.comments_for_authors, review.submitted_at,
                label_number=label, reviewer_name=assignment.reviewer.full_name if named else None,
                reviewer_orcid=(assignment.reviewer.orcid or None) if named else None,
                recommendation=review.recommendation.value if review.recommendation else None,
                assignment_id=assignment.id))
        decision = decisions.get(number)
        if decision is not None and decision.letter.strip():
            letter = _strip_reports(decision.letter, withheld_texts)
            if _quotes(letter, [t for _n, texts in withheld_texts for t in texts]):
                result.withheld.append(Withheld(number, K.DECISION_LETTER, None, None, "quotes_withheld"))
            else:
                position += 1
                result.items.append(PlannedItem(number, position, K.DECISION_LETTER, letter, decision.created_at,
                                                decision_id=decision.id))
    doi = article.doi if article is not None else None
    for item in result.items:
        item.doi = f"{doi}.r{item.round_number}.{item.position}" if doi else None
    return result


def preview(article: Article) -> Plan:
    """For the production page: what will be published (or, once published, that it was)."""
    if article.published_at is not None and has_published_review(article):
        return Plan(nothing="published")
    return plan(article.submission, article)


def publish_peer_review(actor: User | None, article: Article) -> list[PublishedReview]:
    """Copy what may be published of the article's peer review into `PublishedReview` rows, once.

    Runs inside the publication's transaction (not a transaction of its own); the article has its DOI already.
    Nothing happens for an article whose peer review was published before (a correction, a later issue)."""
    if has_published_review(article):
        return []
    result = plan(article.submission, article)
    if not result.items:
        return []
    now = utcnow()
    rows = [PublishedReview(article_id=article.id, round_number=i.round_number, position=i.position, kind=i.kind,
                            label_number=i.label_number, reviewer_name=i.reviewer_name,
                            reviewer_orcid=i.reviewer_orcid, recommendation=i.recommendation, body=i.body,
                            written_at=i.written_at, published_at=now, doi=i.doi, assignment_id=i.assignment_id,
                            decision_id=i.decision_id) for i in result.items]
    db.session.add_all(rows)
    audit(actor, "peer_review.published", article, reports=result.count(K.REFEREE_REPORT),
          decision_letters=result.count(K.DECISION_LETTER), author_responses=result.count(K.AUTHOR_RESPONSE),
          withheld=len(result.withheld), named=sum(1 for i in result.items if i.reviewer_name),
          rounds=len({i.round_number for i in result.items}))
    return rows
