"""The API's answers as plain dicts, in the shapes journal/web/api/schemas.py documents. What a shape holds is what
the public pages show (no address but the corresponding author's is ever stored on a version, and none is given)
or what the permission rules let the token's owner read (`submission_state`: authors only under
`submission.see_authors`; reviewers' names never)."""

from flask import url_for
from flask_babel import force_locale

from journal.models import (Article, ArticleVersion, FileKind, Issue, Journal, ReviewAssignment, Submission,
                            SubmissionFile)
from journal.models.peer_review import PublishedReview, PublishedReviewKind
from journal.permissions import can
from journal.scholarly.records import licence_url


def _when(value):
    return value.isoformat() if value is not None else None


def journal(j: Journal) -> dict:
    return {"id": j.id, "slug": j.slug, "title": j.title, "abbreviation": j.abbreviation or "",
            "description": j.description or "", "publisher": j.publisher or "", "issn_print": j.issn_print or None,
            "issn_online": j.issn_online or None, "licence": j.licence, "review_mode": j.review_mode.value,
            "accepting_submissions": bool(j.accepting_submissions),
            "url": url_for("public.journal_home", slug=j.slug, _external=True)}


def issue_ref(i: Issue) -> dict:
    return {"id": i.id, "volume": i.volume, "number": i.number, "year": i.year, "label": i.label}


def issue(i: Issue, slug: str, count: int) -> dict:
    return {**issue_ref(i), "title": i.title or "", "published_at": _when(i.published_at), "articles": count,
            "url": url_for("public.issue", slug=slug, issue_id=i.id, _external=True)}


def _orcid_url(orcid: str | None) -> str | None:
    return f"https://orcid.org/{orcid}" if orcid else None


def author(c: dict) -> dict:
    orcid = c.get("orcid") or None
    return {"given_name": c.get("given_name") or "", "family_name": c.get("family_name") or "", "orcid": orcid,
            "orcid_url": _orcid_url(orcid),
            "affiliation": c.get("affiliation") or "", "country": c.get("country") or "",
            "corresponding": bool(c.get("corresponding"))}


def article(a: Article, slug: str, counts) -> dict:
    versions = [v for v in a.versions if v.published_at is not None]
    current: ArticleVersion = next(v for v in a.versions if v.id == a.current_version_id)
    issue_ = a.published_issue
    return {
        "id": a.id, "journal": slug, "title": current.title, "abstract": current.abstract or "",
        "keywords": list(current.keywords or []), "language": current.language,
        "authors": [author(c) for c in current.contributors or []],
        "doi": a.doi, "doi_url": a.doi_url, "licence": current.licence, "licence_url": licence_url(current.licence),
        "status": "retracted" if a.is_retracted else "published", "published_at": _when(a.published_at),
        "retracted_at": _when(a.retracted_at), "retraction_notice": a.retraction_notice or "",
        "issue": issue_ref(issue_) if issue_ is not None else None,
        "section": a.section.title if a.section is not None else None, "pages": a.pages,
        "article_number": a.article_number, "version": current.number,
        "versions": [{"number": v.number, "published_at": _when(v.published_at), "change_note": v.change_note or "",
                      "licence": v.licence,
                      "url": url_for("public.article_version", slug=slug, article_id=a.id, number=v.number,
                                     _external=True)} for v in versions],
        "counts": {"views": counts.investigations, "downloads": counts.requests},
        "peer_review": [peer_review(r) for r in a.published_reviews],
        "url": url_for("public.article", slug=slug, article_id=a.id, _external=True),
    }


def peer_review(r: PublishedReview) -> dict:
    """A published item of the peer review: the snapshot's own fields, and a reviewer only where they chose to be
    named (models/peer_review.py); the row's links to assignments and decisions are never given."""
    if r.kind is PublishedReviewKind.REFEREE_REPORT:
        label = f"Reviewer {r.label_number}" if r.label_number else "Reviewer"
    else:
        with force_locale("en"):
            label = str(r.kind.label)
    reviewer = None
    if r.kind is PublishedReviewKind.REFEREE_REPORT and r.is_named:
        reviewer = {"name": r.reviewer_name, "orcid": r.reviewer_orcid or None,
                    "orcid_url": _orcid_url(r.reviewer_orcid)}
    return {"kind": r.kind.value, "round": r.round_number, "label": label, "reviewer": reviewer,
            "recommendation": r.recommendation if r.kind is PublishedReviewKind.REFEREE_REPORT else None,
            "body": r.body, "written_at": _when(r.written_at), "doi": r.doi, "doi_url": r.doi_url}


def submission(s: Submission, user) -> dict:
    with force_locale(user.language or "en"):
        label = str(s.status.label)
    return {"id": s.id, "reference": s.reference, "journal": s.journal.slug, "title": s.title or "",
            "status": s.status.value, "status_label": label, "round": s.current_round,
            "submitted_at": _when(s.submitted_at), "status_changed_at": _when(s.status_changed_at)}


def submission_state(s: Submission, user) -> dict:
    authors = None
    if can(user, "submission.see_authors", s):
        authors = [author({"given_name": c.given_name, "family_name": c.family_name, "orcid": c.orcid,
                           "affiliation": c.affiliation, "country": c.country,
                           "corresponding": c.is_corresponding}) for c in s.contributors]
    return {**submission(s, user), "authors": authors}


def assignment(a: ReviewAssignment) -> dict:
    return {"id": a.id, "submission_id": a.submission_id, "journal": a.submission.journal.slug,
            "title": a.submission.title or "", "round": a.round.number, "status": a.status.value,
            "respond_by": _when(a.respond_by), "due_at": _when(a.due_at)}


def submission_file(f: SubmissionFile) -> dict:
    found = (f.pdf_report or {}).get("found") or [] if f.kind is FileKind.MANUSCRIPT else []
    return {"id": f.id, "kind": f.kind.value, "name": f.original_name, "round": f.round, "size": f.size,
            "sha256": f.sha256, "pages": f.page_count, "names_found": [{"text": t, "place": p} for t, p in found]}
