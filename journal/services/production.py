"""Production: an accepted paper becomes an article, with its galley, confirmed metadata and approved proofs.
(The proofs: journal/services/proofs.py; after publication: journal/services/after_publication.py.)

A managing editor starts production explicitly (the "Start production" action): nothing happens to an
accepted paper behind the editors' backs, and the decision service stays as it is. Version 1 of the
article is prepared here and frozen when its issue is published (journal/services/issues.py).
"""

import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from journal import pdf
from journal.audit import audit
from journal.extensions import db
from journal.models import (Article, ArticleStatus, ArticleVersion, FileKind, Journal, Membership, Role, Submission,
                            SubmissionFile, SubmissionStatus, User, utcnow)
from journal.permissions import can, contributor_condition
from journal.scholarly.identifiers import normalize_orcid, parse_keywords
from journal.services.translations import clean_translation
from journal.services.errors import ConcurrentChange, DomainError, NotFound, PermissionDenied
from journal.services.files import StagedObjects
from journal.services.unit import transactional
from journal.services.uploads import file_limit, pdf_limits, pdf_slots
from journal.workflow import check_version

A = ArticleStatus
S = SubmissionStatus
GALLEY_MAX_PAGES = 2000
METADATA_FIELDS = ("title", "abstract", "keywords", "language", "contributors", "funding", "competing_interests",
                   "data_availability", "licence", "translated_language", "translated_title", "translated_abstract",
                   "translated_keywords")
CONTRIBUTOR_FIELDS = ("given_name", "family_name", "orcid", "affiliation", "country", "email", "native_name",
                      "translated_affiliation")
# States in which proofs went out: a changed galley or metadata sends the article back to production.
PROOF_STATES = {A.PROOFS_REQUESTED, A.CORRECTIONS_SENT, A.PROOFS_APPROVED}


# --- loading and rules ------------------------------------------------------------------------------

def managed_journals(user: User) -> list[Journal]:
    """The journals whose production the person runs (managing editor), by title."""
    managed = select(Membership.journal_id).where(Membership.user_id == user.id,
                                                  Membership.role == Role.MANAGING_EDITOR)
    return list(db.session.scalars(select(Journal).where(Journal.id.in_(managed)).order_by(Journal.title)))


def article_of(submission: Submission) -> Article | None:
    return db.session.scalar(select(Article).where(Article.submission_id == submission.id))


def get_article(article_id: int) -> Article:
    article = db.session.scalar(
        select(Article).where(Article.id == article_id)
        .options(selectinload(Article.versions), selectinload(Article.submission).selectinload(Submission.contributors))
    )
    if article is None:
        raise NotFound(_("There is no such article."))
    return article


def check_article_version(article: Article, expected_version: int | None) -> None:
    """Refuse a form that showed an older state of the article (proofs sent again, a new galley)."""
    if expected_version is not None and expected_version != article.lock_version:
        raise ConcurrentChange(_("%(reference)s changed a moment ago (it is now “%(status)s”). Please look at it "
                                 "again before you act.",
                                 reference=article.submission.display_reference, status=article.status.label))


def require_producer(actor: User, article: Article) -> None:
    """Production is the managing editors' work, and never on their own paper."""
    if not can(actor, "article.produce", article):
        raise PermissionDenied(_("Only the journal's managing editors work on production, and not on their own "
                                 "paper."))


def require_in_production(article: Article) -> None:
    """A published article changes only by a correction."""
    if article.is_public:
        raise DomainError(_("The article is published: change it with a correction (a new version with a note), "
                            "not in production."))


# What still stops an article from being published: the codes (English, compared by the services) and their
# words on the production pages, in the reader's language.
MISSING_LABELS = {
    "no galley": _l("no galley"),
    "metadata not confirmed": _l("metadata not confirmed"),
    "proofs not approved (not sent to the author yet)": _l("proofs not approved (not sent to the author yet)"),
    "proofs not approved (waiting for the author)": _l("proofs not approved (waiting for the author)"),
    "proofs not approved (the author sent corrections)": _l("proofs not approved (the author sent corrections)"),
    "proofs not approved": _l("proofs not approved"),
    "not in an issue": _l("not in an issue"),
    "no pages": _l("no pages"),
}


def missing_for_publication(article: Article) -> list[str]:
    """What still stops the article from being published, in the words of the production list."""
    return [str(MISSING_LABELS[code]) for code in missing_codes(article)]


def missing_codes(article: Article) -> list[str]:
    """The same as codes (the English words), for the services to compare."""
    missing = []
    version = article.current_version
    if version is None or version.galley_file_id is None:
        missing.append("no galley")
    if article.metadata_confirmed_at is None:
        missing.append("metadata not confirmed")
    if article.status is not A.PROOFS_APPROVED:
        missing.append({
            A.IN_PRODUCTION: "proofs not approved (not sent to the author yet)",
            A.PROOFS_REQUESTED: "proofs not approved (waiting for the author)",
            A.CORRECTIONS_SENT: "proofs not approved (the author sent corrections)",
        }.get(article.status, "proofs not approved"))
    journal = article.journal
    if article.issue_id is None and not journal.publishes_continuously:
        missing.append("not in an issue")
    if article.first_page is None and journal.prints and not (journal.publishes_continuously and
                                                              article.issue_id is None):
        missing.append("no pages")  # a printed journal's issue needs them; online first cites the article number
    return missing


def page_warning(article: Article) -> str | None:
    """The page range and the galley disagree (a hint, not a rule: some journals count cover pages)."""
    version = article.current_version
    galley = version.galley if version is not None else None
    if article.first_page is None or galley is None or not galley.page_count:
        return None
    span = article.last_page - article.first_page + 1
    if span != galley.page_count:
        return ngettext("The page range %(pages)s has %(num)d page; the galley has %(count)s.",
                        "The page range %(pages)s has %(num)d pages; the galley has %(count)s.",
                        span, pages=article.pages, count=galley.page_count)
    return None


# --- metadata -----------------------------------------------------------------------------------------

def proved_orcids(submission: Submission) -> set[str]:
    """The iDs of this paper's authors that were proved through ORCID: by the co-author from their mail, or by the
    account the author is listed with (journal/orcid.py). Any other iD was typed by someone."""
    proved = set()
    for c in submission.contributors:
        if c.orcid and c.orcid_authenticated_at is not None:
            proved.add(c.orcid)
        if c.user is not None and c.user.orcid and c.user.orcid_authenticated_at is not None:
            proved.add(c.user.orcid)
    return proved


def _contributor_orcid(c) -> str:
    """The listed iD, or the account's proved one where none was typed."""
    if c.orcid:
        return c.orcid
    user = c.user
    return user.orcid if user is not None and user.orcid and user.orcid_authenticated_at is not None else ""


def mark_authenticated(contributors: list[dict], proved: set[str]) -> list[dict]:
    """Each author row says whether its iD was proved through ORCID (Crossref's and JATS's `authenticated`, the
    iD icon on the article page); an editor's edit can keep a proved iD but never make a typed one proved."""
    for row in contributors:
        row["orcid_authenticated"] = bool(row.get("orcid")) and row["orcid"] in proved
    return contributors


def metadata_from_submission(submission: Submission) -> dict:
    """The submission's metadata as version 1 starts from it; only the corresponding author's email is kept."""
    proved = proved_orcids(submission)
    return {
        "title": submission.title, "abstract": submission.abstract, "keywords": list(submission.keywords or []),
        "language": submission.language or "en", "funding": submission.funding,
        "competing_interests": submission.competing_interests, "data_availability": submission.data_availability,
        "data_links": [dict(link) for link in submission.data_links or []],
        "licence": submission.journal.licence,
        "translated_language": submission.translated_language or "", "translated_title": submission.translated_title,
        "translated_abstract": submission.translated_abstract,
        "translated_keywords": list(submission.translated_keywords or []),
        "contributors": [{
            "given_name": c.given_name, "family_name": c.family_name, "orcid": _contributor_orcid(c),
            "orcid_authenticated": _contributor_orcid(c) in proved,
            "affiliation": c.affiliation, "country": c.country, "corresponding": c.is_corresponding,
            "email": c.email if c.is_corresponding else "", "native_name": c.native_name,
            "translated_affiliation": c.translated_affiliation,
        } for c in submission.contributors],
    }


def metadata_of(version: ArticleVersion) -> dict:
    return {name: getattr(version, name) for name in METADATA_FIELDS}


def _clean_contributors(rows: list[dict]) -> list[dict]:
    clean = []
    for row in rows:
        values = {name: " ".join(str(row.get(name) or "").split()) for name in CONTRIBUTOR_FIELDS}
        if not any(values[name] for name in ("given_name", "family_name", "orcid", "affiliation", "email")):
            continue  # an empty row of the form
        number = len(clean) + 1
        if not values["family_name"]:
            raise DomainError(_("Author %(number)s: give the family name.", number=number), "contributors")
        try:
            values["orcid"] = normalize_orcid(values["orcid"]) or ""
        except ValueError as exc:
            raise DomainError(_("Author %(number)s (%(name)s): %(problem)s", number=number, name=values["family_name"],
                                problem=exc), "contributors") from None
        values["country"] = values["country"].upper()
        if values["country"] and not re.fullmatch(r"[A-Z]{2}", values["country"]):
            raise DomainError(_("Author %(number)s: choose the country from the list.", number=number), "contributors")
        values["corresponding"] = bool(row.get("corresponding"))
        values["email"] = values["email"].lower() if values["corresponding"] else ""
        if values["corresponding"] and ("@" not in values["email"] or len(values["email"]) > 254):
            raise DomainError(_("Author %(number)s is the corresponding author: give their email address, which "
                                "readers will see.", number=number), "contributors")
        if len(values["given_name"]) > 100 or len(values["family_name"]) > 100 or len(values["affiliation"]) > 255:
            raise DomainError(_("Author %(number)s: the name or affiliation is too long.",
                                number=number), "contributors")
        clean.append(values)
    if not clean:
        raise DomainError(_("List the authors."), "contributors")
    if sum(1 for c in clean if c["corresponding"]) != 1:
        raise DomainError(_("Mark exactly one author as the corresponding author."), "contributors")
    return clean


def clean_metadata(*, title: str, abstract: str, keywords: str | list[str], contributors: list[dict],
                   funding: str = "", competing_interests: str = "", data_availability: str = "",
                   licence: str = "", language: str = "en", translated_language: str = "",
                   translated_title: str = "", translated_abstract: str = "",
                   translated_keywords: str | list[str] = "") -> dict:
    """The metadata as it will be published, checked (ORCID iDs by their check digit); DomainError names the
    field."""
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(_("Give the title."), "title")
    if len(title) > 500:
        raise DomainError(_("Please keep the title under 500 characters."), "title")
    abstract = (abstract or "").strip()
    if not abstract:
        raise DomainError(_("Give the abstract."), "abstract")
    try:
        keywords = parse_keywords(keywords, limit=20)
    except ValueError as exc:
        raise DomainError(str(exc), "keywords") from None
    licence = (licence or "").strip()
    if not licence or len(licence) > 40:
        raise DomainError(_("Choose the licence."), "licence")
    return {
        **clean_translation(language or "en", translated_language, translated_title, translated_abstract,
                            translated_keywords),
        "title": title, "abstract": abstract, "keywords": keywords, "language": (language or "en")[:8],
        "contributors": _clean_contributors(contributors), "funding": (funding or "").strip(),
        "competing_interests": (competing_interests or "").strip(),
        "data_availability": (data_availability or "").strip(), "licence": licence,
    }


def back_to_production(actor: User, article: Article, reason: str) -> None:
    """Proofs that went out no longer show the article: the author must see the new ones."""
    if article.status in PROOF_STATES:
        article.status = A.IN_PRODUCTION
        article.proofs_approved_at = None
        article.proofs_approved_by = None
        audit(actor, "article.proofs_outdated", article, reason=reason)


# --- production ------------------------------------------------------------------------------------

@transactional
def start_production(actor: User, submission: Submission, *, expected_version: int | None = None) -> Article:
    """An accepted paper enters production: the article and its version 1, prefilled from the submission."""
    check_version(submission, expected_version)
    if not can(actor, "submission.produce", submission):
        raise PermissionDenied(_("Only the journal's managing editors start production, and not on their own paper."))
    if submission.status not in (S.ACCEPTED, S.SCHEDULED):
        raise DomainError(_("%(reference)s is “%(status)s”: only an accepted paper goes into production.",
                            reference=submission.display_reference, status=submission.status.label))
    if article_of(submission) is not None:
        raise DomainError(_("%(reference)s is in production already.", reference=submission.reference))
    metadata = metadata_from_submission(submission)
    article = Article(journal_id=submission.journal_id, section_id=submission.section_id, status=A.IN_PRODUCTION,
                      proof_corrections="", retraction_notice="")
    db.session.add(article)
    article.submission = submission
    version = ArticleVersion(number=1, created_by=actor, change_note="", **metadata)
    db.session.add(version)
    version.article = article
    try:
        db.session.flush()
    except IntegrityError:  # another managing editor started it at the same moment
        raise DomainError(_("%(reference)s is in production already.", reference=submission.reference)) from None
    article.current_version = version
    audit(actor, "article.production_started", article, reference=submission.reference)
    return article


@contextmanager
def _spooled(stream: BinaryIO, limit: int):
    """The upload in a named temporary file, refused past the limit. The PDF check gets its path: given a
    buffered stream it shares with the child, a file the reader refuses can end in OSError instead of
    PdfRejected (journal/pdf.py _opened; reported)."""
    with tempfile.NamedTemporaryFile(prefix="galley-", suffix=".pdf") as spooled:
        size = 0
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise DomainError(_("The file is larger than the limit of %(megabytes)s MB.",
                                    megabytes=limit // (1024 * 1024)), "galley")
            spooled.write(chunk)
        spooled.flush()
        spooled.seek(0)
        yield spooled


def _inspect_galley(spooled) -> pdf.PdfReport:
    try:
        with pdf_slots:
            report = pdf.inspect_pdf(spooled.name, max_pages=GALLEY_MAX_PAGES, **pdf_limits())
    except pdf.PdfRejected as exc:
        raise DomainError(exc.message, "galley") from None
    if report.risky_features:
        raise DomainError(_("This PDF contains: %(features)s. Readers download the galley as it is, so it must carry "
                            "none of these: export it again without them.",
                            features="; ".join(pdf.feature_label(f) for f in report.risky_features)), "galley")
    return report


def store_galley(actor: User, article: Article, stream: BinaryIO, original_name: str, then) -> SubmissionFile:
    """Check the PDF in the sandbox, store it as a new galley file, let `then(file)` record what it is for, commit.

    A refused file changes nothing; a failed commit deletes the stored object again."""
    submission = article.submission
    with _spooled(stream, file_limit()) as spooled:
        report = _inspect_galley(spooled)
        try:
            with StagedObjects() as staged:
                spooled.seek(0)
                stored = staged.put(f"submissions/{submission.id}", spooled, media_type="application/pdf")
                galley = SubmissionFile(
                    submission=submission, round=submission.current_round, kind=FileKind.GALLEY,
                    storage_key=stored.key, original_name=(original_name or "galley.pdf")[:255], size=stored.size,
                    sha256=stored.sha256, media_type="application/pdf", page_count=report.page_count,
                    uploaded_by=actor, description="",
                    pdf_report={"page_count": report.page_count, "risky_features": [], "warnings": report.warnings,
                                "text_empty": report.text_empty},
                )
                db.session.add(galley)
                db.session.flush()
                then(galley)
                db.session.commit()
        except StaleDataError:
            raise ConcurrentChange(_("Someone else changed this article a moment ago, so the galley was not saved. "
                                     "Please look at it again and upload the file once more.")) from None
    return galley


def upload_galley(actor: User, article: Article, stream: BinaryIO, original_name: str) -> SubmissionFile:
    """The final PDF readers will download, checked like any PDF (sandboxed, no scripts, actions or attachments).

    Proofs that went out before show the old galley: the article goes back to production."""
    require_producer(actor, article)
    require_in_production(article)

    def record(galley: SubmissionFile) -> None:
        article.current_version.galley = galley
        audit(actor, "article.galley_uploaded", article, file_id=galley.id, name=galley.original_name,
              pages=galley.page_count)
        back_to_production(actor, article, "new galley")

    return store_galley(actor, article, stream, original_name, record)


@transactional
def confirm_metadata(actor: User, article: Article, *, expected_version: int | None = None, **values) -> list[str]:
    """The editor confirms the metadata as it will be published (edited where needed); returns what changed.

    A change after the proofs went out sends the article back to production."""
    check_article_version(article, expected_version)
    require_producer(actor, article)
    require_in_production(article)
    clean = clean_metadata(**values)
    mark_authenticated(clean["contributors"], proved_orcids(article.submission))
    version = article.current_version
    changed = sorted(name for name, value in clean.items() if getattr(version, name) != value)
    for name in changed:
        setattr(version, name, clean[name])
    article.metadata_confirmed_at = utcnow()
    article.metadata_confirmed_by = actor
    audit(actor, "article.metadata_confirmed", article, **({"changed": changed} if changed else {}))
    if changed:
        back_to_production(actor, article, "metadata changed")
    return changed


def corresponding_address(submission: Submission) -> tuple[str, str]:
    """(email, name) of the corresponding author; the submitter if none is marked."""
    corresponding = next((c for c in submission.contributors if c.is_corresponding), None)
    if corresponding is not None:
        return corresponding.email, corresponding.full_name
    return submission.submitter.email, submission.submitter.full_name


def authors_addresses(submission: Submission) -> tuple[str, list[str], str]:
    """(to, cc, name): the corresponding author, copied to the co-authors."""
    to, name = corresponding_address(submission)
    cc = sorted({c.email for c in submission.contributors} - {to})
    return to, cc, name


# --- the production list --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProductionOverview:
    waiting: list[Submission]  # accepted, production not started
    in_production: list[Article]
    published: list[Article]  # the latest, newest first


def overview(actor: User, journal) -> ProductionOverview:
    """The journal's production area in a fixed number of queries, whatever its size; never the actor's own
    papers (another managing editor produces those)."""
    started = select(Article.submission_id).where(Article.journal_id == journal.id)
    mine = contributor_condition(actor.id, actor.email)
    waiting = db.session.scalars(
        select(Submission).where(Submission.journal_id == journal.id,
                                 Submission.status.in_([S.ACCEPTED, S.SCHEDULED]), Submission.id.not_in(started),
                                 ~mine)
        .order_by(Submission.accepted_at, Submission.id)).all()
    not_mine = Article.submission_id.not_in(select(Submission.id).where(mine))
    options = (selectinload(Article.submission), selectinload(Article.issue),
               selectinload(Article.current_version).selectinload(ArticleVersion.galley))
    in_production = db.session.scalars(
        select(Article).where(Article.journal_id == journal.id, Article.published_at.is_(None), not_mine)
        .options(*options).order_by(Article.created_at, Article.id)).all()
    published = db.session.scalars(
        select(Article).where(Article.journal_id == journal.id, Article.published_at.is_not(None), not_mine)
        .options(*options).order_by(Article.published_at.desc(), Article.id.desc()).limit(50)).all()
    return ProductionOverview(list(waiting), list(in_production), list(published))
