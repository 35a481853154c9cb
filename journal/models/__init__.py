"""All ORM classes, importable from one place."""

from journal.models.accounts import User
from journal.models.api_tokens import ApiToken
from journal.models.audit import AuditEvent
from journal.models.base import utcnow
from journal.models.conversations import Message, MessageRead
from journal.models.files import FileKind, SubmissionFile
from journal.models.full_texts import FullText, FullTextFigure, FullTextSource, FullTextStatus
from journal.models.journals import Announcement, Journal, Membership, ReviewMode, Role, Section
from journal.models.latex import CompileStatus, LatexCompile
from journal.models.mail import MailTemplate, OutboxMessage, OutboxStatus
from journal.models.orcid import CreditStatus, OrcidReviewCredit, OrcidToken
from journal.models.peer_review import PeerReviewPublication, PublishedReview, PublishedReviewKind
from journal.models.publishing import Article, ArticleStatus, ArticleVersion, DoiCounter, Issue, IssueStatus
from journal.models.review_facts import refresh_review_facts
from journal.models.reviews import (CRITERIA, AssignmentStatus, Criterion, Recommendation, Review,
                                    ReviewAssignment, SentReminder)
from journal.models.sign_ins import SignIn
from journal.models.submissions import (Contributor, Decision, DecisionKind, EditorRecommendation,
                                        RecommendationStatus, ReferenceCounter, ReviewRound, Submission,
                                        SubmissionStatus)
from journal.models.usage import BEFORE_COUNTER, ArticleUsage, UsageBatch

__all__ = [
    "CreditStatus",
    "OrcidReviewCredit",
    "OrcidToken",
    "ApiToken",
    "PeerReviewPublication",
    "PublishedReview",
    "PublishedReviewKind",
    "BEFORE_COUNTER",
    "UsageBatch",
    "Announcement",
    "Article",
    "ArticleUsage",
    "ArticleStatus",
    "ArticleVersion",
    "DoiCounter",
    "Issue",
    "IssueStatus",
    "AssignmentStatus",
    "CRITERIA",
    "Criterion",
    "Recommendation",
    "Review",
    "ReviewAssignment",
    "AuditEvent",
    "Contributor",
    "Decision",
    "EditorRecommendation",
    "RecommendationStatus",
    "SentReminder",
    "DecisionKind",
    "FileKind",
    "CompileStatus",
    "LatexCompile",
    "FullText",
    "FullTextFigure",
    "FullTextSource",
    "FullTextStatus",
    "Journal",
    "Membership",
    "MailTemplate",
    "Message",
    "MessageRead",
    "OutboxMessage",
    "OutboxStatus",
    "ReferenceCounter",
    "refresh_review_facts",
    "ReviewRound",
    "ReviewMode",
    "Role",
    "Section",
    "SignIn",
    "Submission",
    "SubmissionFile",
    "SubmissionStatus",
    "User",
    "utcnow",
]
