"""What the scholarly outputs share (OAI-PMH, Crossref deposits, JATS, citations): loading published articles with
everything their metadata needs, absolute links built from BASE_URL, licences as URLs, names split for
"Family, Given".

Only published articles ever leave through these outputs: `published_articles()` is the one query they use.
Nothing here reads review data; the outputs take their metadata from the frozen `ArticleVersion`, and an article's
published peer review from its `PublishedReview` snapshot rows (which name only reviewers who chose to be named).
"""

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from werkzeug.routing import BuildError
from sqlalchemy.orm import joinedload

from journal.extensions import db
from journal.models import Article, ArticleVersion, Issue, Journal, PublishedReview, PublishedReviewKind

# The licences a journal can choose (journal/web/manage/forms.py), as the URLs metadata schemas expect.
LICENCE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}
LICENCE_NAMES = {
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "CC-BY-SA-4.0": "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
    "CC-BY-NC-4.0": "Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)",
    "CC0-1.0": "CC0 1.0 Universal public domain dedication",
    "all-rights-reserved": "All rights reserved",
}


def setting(name: str, default: str = "") -> str:
    """An optional setting of these outputs (CROSSREF_DEPOSITOR_NAME, CROSSREF_DEPOSITOR_EMAIL, OAI_ADMIN_EMAIL):
    the app's config, else the environment (config.py does not list them yet)."""
    return current_app.config.get(name) or os.environ.get(name) or default


def licence_url(code: str | None) -> str | None:
    """The licence's URL, or None for "all rights reserved" (and codes this system does not know)."""
    return LICENCE_URLS.get(code or "")


def licence_name(code: str | None) -> str:
    return LICENCE_NAMES.get(code or "", code or "")


def published_articles(*where, order_by=None) -> list[Article]:
    """Published articles (retracted ones included: they stay readable, marked) with their current version,
    issue, section and journal, in one query."""
    query = (select(Article).where(Article.published_at.is_not(None), *where)
             .options(joinedload(Article.current_version), joinedload(Article.issue),
                      joinedload(Article.section), joinedload(Article.journal)))
    if order_by is not None:
        query = query.order_by(*order_by)
    return list(db.session.scalars(query).unique())


def issue_articles(issue: Issue) -> list[Article]:
    """The issue's published articles in table-of-contents order (section order, then position)."""
    articles = published_articles(Article.issue_id == issue.id)

    def toc_key(article: Article):
        section = article.section
        return (section.position if section is not None else 10**6, article.section_id or 0, article.position,
                article.id)

    return sorted(articles, key=toc_key)


class Links:
    """Absolute links to public pages, from BASE_URL (never the request's Host); the URL map is bound once,
    so a page of a hundred records costs one binding."""

    def __init__(self):
        base = urlsplit(current_app.config["BASE_URL"])
        self.host = base.hostname or "localhost"
        self._adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                                 url_scheme=base.scheme or "https")

    def build(self, endpoint: str, fallback: str | None = None, **values) -> str:
        try:
            return self._adapter.build(endpoint, values, force_external=True)
        except BuildError:
            if fallback is None:
                raise
            # The public article pages' agreed addresses, should their routes be renamed.
            return current_app.config["BASE_URL"].rstrip("/") + fallback

    def article(self, article: Article) -> str:
        return self.build("public.article", f"/j/{article.journal.slug}/articles/{article.id}",
                          slug=article.journal.slug, article_id=article.id)

    def jats(self, article: Article) -> str:
        return self.build("oai.article_jats", slug=article.journal.slug, article_id=article.id)

    def figure(self, article: Article, full_text_id: int, name: str) -> str:
        """A figure of the article's HTML full text (journal/fulltext.py)."""
        return self.build("public.article_figure", slug=article.journal.slug, article_id=article.id,
                          full_text_id=full_text_id, name=name)

    def pdf(self, article: Article) -> str:
        return self.build("public.article_pdf", f"/j/{article.journal.slug}/articles/{article.id}/pdf",
                          slug=article.journal.slug, article_id=article.id)

    def review(self, review: PublishedReview) -> str:
        """One published item of an article's peer review on the readers' peer review page, by its place there
        (the one helper every output uses: Crossref's resource, JATS, JSON-LD)."""
        article = review.article
        page = self.build("public.article_peer_review", f"/j/{article.journal.slug}/articles/{article.id}/peer-review",
                          slug=article.journal.slug, article_id=article.id)
        return f"{page}#{review_anchor(review)}"


# --- published peer review (issue 18) --------------------------------------------------------------------

def review_anchor(review: PublishedReview) -> str:
    """The item's id on the peer review page and in JATS: r<round>-<position> (an XML name, a URL fragment)."""
    return f"r{review.round_number}-{review.position}"


REVIEW_TITLES = {
    PublishedReviewKind.REFEREE_REPORT: "Review of: {title}",
    PublishedReviewKind.DECISION_LETTER: "Decision letter: {title}",
    PublishedReviewKind.AUTHOR_RESPONSE: "Author response: {title}",
}


def review_title(review: PublishedReview, article_title: str) -> str:
    """The item's title in the metadata (English, as Crossref's and JATS4R's examples): "Review of: <title>"."""
    return REVIEW_TITLES[review.kind].format(title=article_title)


def review_label(review: PublishedReview) -> str:
    """Where the item stands in the review: "Round 1, Reviewer 2", "Round 1, decision letter"; the label is all an
    anonymous reviewer is known by."""
    if review.kind is PublishedReviewKind.REFEREE_REPORT:
        return f"Round {review.round_number}, Reviewer {review.label_number or review.position}"
    if review.kind is PublishedReviewKind.DECISION_LETTER:
        return f"Round {review.round_number}, decision letter"
    return f"Round {review.round_number}, author response"


def reviewer_of(review: PublishedReview) -> tuple[str, str, str] | None:
    """(given name, family name, ORCID iD) of a report's reviewer who chose to be named; None for an anonymous one
    and for letters and responses. The snapshot keeps one name: its last word is taken as the family name."""
    if review.kind is not PublishedReviewKind.REFEREE_REPORT or not review.is_named:
        return None
    given, _space, family = review.reviewer_name.strip().rpartition(" ")
    return given.strip(), family, (review.reviewer_orcid or "").strip()


@dataclass(frozen=True)
class Person:
    given_name: str
    family_name: str
    orcid: str
    affiliation: str
    country: str
    corresponding: bool
    email: str
    native_name: str = ""  # the name in the author's own script: 李伟 beside Li Wei
    translated_affiliation: str = ""  # the affiliation in the paper's second language
    # The iD was proved through ORCID (by the author's account or from the co-author's mail), not typed.
    orcid_authenticated: bool = False

    @property
    def inverted(self) -> str:
        """'Chen, Mei' (Dublin Core's creator form); a one-part name stays as it is."""
        if self.given_name and self.family_name:
            return f"{self.family_name}, {self.given_name}"
        return self.family_name or self.given_name


def people(version: ArticleVersion) -> list[Person]:
    """The byline of the version as frozen at publication, in order."""
    result = []
    for c in version.contributors or []:
        result.append(Person(given_name=(c.get("given_name") or "").strip(),
                             family_name=(c.get("family_name") or "").strip(),
                             orcid=(c.get("orcid") or "").strip(), affiliation=(c.get("affiliation") or "").strip(),
                             country=(c.get("country") or "").strip().upper(),
                             corresponding=bool(c.get("corresponding")),
                             email=(c.get("email") or "").strip() if c.get("corresponding") else "",
                             native_name=(c.get("native_name") or "").strip(),
                             translated_affiliation=(c.get("translated_affiliation") or "").strip(),
                             orcid_authenticated=bool(c.get("orcid") and c.get("orcid_authenticated"))))
    return result


def publisher_name(journal: Journal) -> str:
    return journal.publisher or current_app.config.get("PLATFORM_NAME", "")


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def iso_seconds(value: datetime) -> str:
    """2026-11-21T07:42:28Z: the OAI-PMH datestamp form (UTC, seconds)."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


SCRIPT_LANGUAGES = ((re.compile(r"[\u4e00-\u9fff]"), "zh"), (re.compile(r"[\u0400-\u04ff]"), "ru"),
                    (re.compile(r"[\u0600-\u06ff]"), "ar"), (re.compile(r"[\u3040-\u30ff]"), "ja"),
                    (re.compile(r"[\uac00-\ud7af]"), "ko"))


def script_language(text: str, fallback: str | None = None) -> str | None:
    """The language a name in its own script is most likely in (李伟 → zh), for xml:lang and lang attributes."""
    return next((code for pattern, code in SCRIPT_LANGUAGES if pattern.search(text or "")), fallback)
