"""Crossref metadata deposit (schema 5.4.0) for a published issue: the journal, the issue and each of its
articles with contributors (ORCID, affiliations), abstract as JATS, publication date, pages, licence, DOI
and the article's address. A managing editor downloads it from the issue, or runs
`flask journal crossref-xml ISSUE`, and uploads it to Crossref (depositing it again updates the metadata).

An article's published peer review (issue 18: reports, decision letters, authors' responses, each with its own DOI)
is deposited as `peer_review` records, each `isReviewOf` the article's DOI. Crossref's schema lets a deposit's body
hold one kind of record only (journal articles or peer reviews, `body` is a choice), so the peer review goes in a
second deposit of the same issue or article (`reviews_deposit`, `reviews_deposit_article`), uploaded after the
articles' deposit. An anonymous reviewer is deposited as `<anonymous contributor_role="reviewer">`, never named.

The depositor is CROSSREF_DEPOSITOR_NAME / CROSSREF_DEPOSITOR_EMAIL when set, else the platform's name and
its mail sender address; the registrant is the journal's publisher.
"""

from datetime import UTC, datetime
from email.utils import parseaddr

import pycountry
from flask import current_app
from lxml import etree
from sqlalchemy import select

from journal.extensions import db
from journal.models import Article, Issue, Journal, PublishedReview, PublishedReviewKind
from journal.scholarly.jats import abstract_into, clean_text
from journal.scholarly.records import (Links, issue_articles, licence_url, people, publisher_name, review_label,
                                       review_title, reviewer_of, setting, utc)

VERSION = "5.4.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
CROSSREF_NS = f"http://www.crossref.org/schema/{VERSION}"
JATS_NS = "http://www.ncbi.nlm.nih.gov/JATS1"
AI_NS = "http://www.crossref.org/AccessIndicators.xsd"
REL_NS = "http://www.crossref.org/relations.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{CROSSREF_NS} https://www.crossref.org/schemas/crossref{VERSION}.xsd"


class NotDepositable(Exception):
    """The issue cannot be deposited (not published, or no article has a DOI)."""


def _sub(parent, name: str, text: str | None = None, **attrib):
    element = etree.SubElement(parent, f"{{{CROSSREF_NS}}}{name}",
                               {k: v for k, v in attrib.items() if v is not None})
    if text is not None:
        element.text = clean_text(text)
    return element


def _date(parent, value: datetime) -> None:
    value = utc(value)
    node = _sub(parent, "publication_date", media_type="online")
    _sub(node, "month", f"{value.month:02d}")
    _sub(node, "day", f"{value.day:02d}")
    _sub(node, "year", str(value.year))


def depositor() -> tuple[str, str]:
    config = current_app.config
    name = setting("CROSSREF_DEPOSITOR_NAME", config.get("PLATFORM_NAME") or "Journals")
    email = setting("CROSSREF_DEPOSITOR_EMAIL", parseaddr(config.get("MAIL_FROM", ""))[1])
    return name, email or "admin@example.org"


def find_issue(text: str) -> Issue:
    """An issue by its id ("17") or by journal, volume and number ("jdse/3/2")."""
    parts = text.strip().strip("/").split("/")
    query = None
    if len(parts) == 1 and parts[0].isdigit():
        query = select(Issue).where(Issue.id == int(parts[0]))
    elif len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        query = (select(Issue).join(Journal, Journal.id == Issue.journal_id)
                 .where(Journal.slug == parts[0].lower(), Issue.volume == int(parts[1]),
                        Issue.number == int(parts[2])))
    if query is None:
        raise NotDepositable(f"Give the issue as its id (17) or as JOURNAL/VOLUME/NUMBER (jdse/3/2), not “{text}”.")
    issue = db.session.scalar(query)
    if issue is None:
        raise NotDepositable(f"There is no issue {text}.")
    return issue


def warnings(issue: Issue) -> list[str]:
    """What Crossref would refuse although the schema allows it, for the editor to fix before depositing."""
    journal = issue.journal
    found = []
    if not (journal.issn_print or journal.issn_online):
        found.append(f"{journal.title} has no ISSN: Crossref registers journal articles under the journal's ISSN.")
    if not setting("CROSSREF_DEPOSITOR_EMAIL"):
        found.append("CROSSREF_DEPOSITOR_EMAIL is not set: Crossref mails the deposit's result to "
                     f"{depositor()[1]}.")
    return found


def deposit(issue: Issue, *, now: datetime | None = None, links: Links | None = None):
    """The <doi_batch> element for the issue's published articles (those with a DOI)."""
    if not issue.is_published:
        raise NotDepositable(f"{issue.label} is not published: its articles get their DOIs at publication.")
    articles = [a for a in issue_articles(issue) if a.doi]
    if not articles:
        raise NotDepositable(f"{issue.label} has no article with a DOI.")
    return _batch(issue.journal, issue, articles, f"{issue.journal.slug}-{issue.volume}-{issue.number}", now=now,
                  links=links)


def deposit_article(article: Article, *, now: datetime | None = None, links: Links | None = None):
    """The <doi_batch> element for one article published online first, before its issue (no journal_issue);
    once in a published issue, it is deposited with the issue."""
    if not article.is_public or not article.doi:
        raise NotDepositable("The article is not published: it gets its DOI at publication.")
    if article.issue is not None and article.issue.is_published:
        return deposit(article.issue, now=now, links=links)
    return _batch(article.journal, None, [article], f"{article.journal.slug}-{article.article_number or article.id}",
                  now=now, links=links)


def _batch(journal: Journal, issue: Issue | None, articles: list[Article], batch_name: str, *,
           now: datetime | None = None, links: Links | None = None):
    links = links or Links()
    root = _root(journal, batch_name, now)
    body = _sub(_sub(root, "body"), "journal")
    meta = _sub(body, "journal_metadata", language=_language(articles[0].current_version.language))
    _sub(meta, "full_title", journal.title)
    if journal.abbreviation:
        _sub(meta, "abbrev_title", journal.abbreviation)
    if journal.issn_print:
        _sub(meta, "issn", journal.issn_print, media_type="print")
    if journal.issn_online:
        _sub(meta, "issn", journal.issn_online, media_type="electronic")

    if issue is not None:
        issue_node = _sub(body, "journal_issue")
        _date(issue_node, issue.published_at)
        _sub(_sub(issue_node, "journal_volume"), "volume", str(issue.volume))
        _sub(issue_node, "issue", str(issue.number))

    for article in articles:
        _article(body, article, links)
    return root


def _root(journal: Journal, batch_name: str, now: datetime | None):
    """The <doi_batch> with its <head>: batch id, timestamp, depositor, registrant."""
    now = now or datetime.now(UTC)
    root = etree.Element(f"{{{CROSSREF_NS}}}doi_batch", {"version": VERSION},
                         nsmap={None: CROSSREF_NS, "xsi": XSI_NS, "jats": JATS_NS, "ai": AI_NS, "rel": REL_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)

    head = _sub(root, "head")
    _sub(head, "doi_batch_id", f"{batch_name}-{now:%Y%m%d%H%M%S}")
    # Crossref keeps the deposit with the highest timestamp: milliseconds, so a second deposit wins.
    _sub(head, "timestamp", f"{now:%Y%m%d%H%M%S}{now.microsecond // 1000:03d}")
    name, email = depositor()
    who = _sub(head, "depositor")
    _sub(who, "depositor_name", name)
    _sub(who, "email_address", email)
    _sub(head, "registrant", publisher_name(journal))
    return root


def _language(code: str | None) -> str | None:
    """Crossref's language attribute takes ISO 639 codes; anything else is left out."""
    code = (code or "").lower()
    return code if code and pycountry.languages.get(alpha_2=code) else None


def _article(parent, article: Article, links: Links) -> None:
    version = article.current_version
    node = _sub(parent, "journal_article", publication_type="full_text", language=_language(version.language))
    titles = _sub(node, "titles")
    if version.translated_title and version.translated_language == "en" and (version.language or "en") != "en":
        # A paper in another language with an English title: Crossref's title is the English one, beside the
        # title in the paper's own language.
        _sub(titles, "title", version.translated_title)
        _sub(titles, "original_language_title", version.title, language=_language(version.language))
    else:
        _sub(titles, "title", version.title)
    _authors(node, version)
    if version.abstract:
        abstract = etree.SubElement(node, f"{{{JATS_NS}}}abstract")
        if version.translated_abstract:
            abstract.set(f"{{{XML_NS}}}lang", version.language or "en")
        abstract_into(abstract, version.abstract, namespace=JATS_NS)
    if version.translated_abstract and version.translated_language:  # Crossref takes an abstract per language
        abstract = etree.SubElement(node, f"{{{JATS_NS}}}abstract", {f"{{{XML_NS}}}lang": version.translated_language})
        abstract_into(abstract, version.translated_abstract, namespace=JATS_NS)
    _date(node, article.published_at)
    if article.first_page is not None:
        pages = _sub(node, "pages")
        _sub(pages, "first_page", str(article.first_page))
        if article.last_page is not None and article.last_page != article.first_page:
            _sub(pages, "last_page", str(article.last_page))
    if article.article_number:
        _sub(_sub(node, "publisher_item"), "item_number", article.article_number, item_number_type="article_number")
    url = licence_url(version.licence)
    if url:
        program = etree.SubElement(node, f"{{{AI_NS}}}program", {"name": "AccessIndicators"})
        etree.SubElement(program, f"{{{AI_NS}}}free_to_read")
        ref = etree.SubElement(program, f"{{{AI_NS}}}license_ref", {"applies_to": "vor"})
        ref.text = url
    if version.data_links:  # the datasets and software the article is supplemented by
        program = etree.SubElement(node, f"{{{REL_NS}}}program")
        for link in version.data_links:
            item = etree.SubElement(program, f"{{{REL_NS}}}related_item")
            if link.get("repository"):
                etree.SubElement(item, f"{{{REL_NS}}}description").text = clean_text(link["repository"])
            relation = etree.SubElement(item, f"{{{REL_NS}}}inter_work_relation", {
                "relationship-type": "isSupplementedBy", "identifier-type": "doi" if link.get("doi") else "uri"})
            relation.text = clean_text(link.get("doi") or link.get("url"))
    doi_data = _sub(node, "doi_data")
    _sub(doi_data, "doi", article.doi)
    _sub(doi_data, "resource", links.article(article))


def _authors(node, version) -> None:
    """The version's byline as <contributors> of role author (nothing where it has none)."""
    byline = people(version)
    if not byline:
        return
    contributors = _sub(node, "contributors")
    for index, person in enumerate(byline):
        name = _sub(contributors, "person_name", sequence="first" if index == 0 else "additional",
                    contributor_role="author")
        if person.given_name and person.family_name:
            _sub(name, "given_name", person.given_name)
        _sub(name, "surname", person.family_name or person.given_name)
        if person.affiliation:
            institution = _sub(_sub(name, "affiliations"), "institution")
            _sub(institution, "institution_name", person.affiliation)
            country = pycountry.countries.get(alpha_2=person.country) if person.country else None
            if country is not None:
                _sub(institution, "institution_place", country.name)
        if person.orcid:
            _sub(name, "ORCID", f"https://orcid.org/{person.orcid}",
                 authenticated="true" if person.orcid_authenticated else "false")


# --- published peer review -----------------------------------------------------------------------------------

REVIEW_TYPES = {
    PublishedReviewKind.REFEREE_REPORT: "referee-report",
    PublishedReviewKind.DECISION_LETTER: "editor-report",
    PublishedReviewKind.AUTHOR_RESPONSE: "author-comment",
}
# models.reviews.Recommendation values as Crossref names them.
RECOMMENDATIONS = {"accept": "accept", "minor_revision": "minor-revision", "major_revision": "major-revision",
                   "reject": "reject"}


def reviews_deposit(issue: Issue, *, now: datetime | None = None, links: Links | None = None):
    """The <doi_batch> of the peer_review records of the issue's published articles (those with DOIs)."""
    if not issue.is_published:
        raise NotDepositable(f"{issue.label} is not published: its peer review gets its DOIs at publication.")
    return _reviews_batch(issue.journal, [a for a in issue_articles(issue) if a.doi],
                          f"{issue.journal.slug}-{issue.volume}-{issue.number}-reviews", issue.label, now=now,
                          links=links)


def reviews_deposit_article(article: Article, *, now: datetime | None = None, links: Links | None = None):
    """The peer_review records of one article published online first; once in a published issue, the issue's."""
    if not article.is_public or not article.doi:
        raise NotDepositable("The article is not published: its peer review gets its DOIs at publication.")
    if article.issue is not None and article.issue.is_published:
        return reviews_deposit(article.issue, now=now, links=links)
    return _reviews_batch(article.journal, [article],
                          f"{article.journal.slug}-{article.article_number or article.id}-reviews",
                          "The article", now=now, links=links)


def _reviews_batch(journal: Journal, articles: list[Article], batch_name: str, what: str, *,
                   now: datetime | None = None, links: Links | None = None):
    items = [(article, review) for article in articles for review in article.published_reviews if review.doi]
    if not items:
        raise NotDepositable(f"{what} has no published peer review with a DOI.")
    links = links or Links()
    root = _root(journal, batch_name, now)
    body = _sub(root, "body")
    for article, review in items:
        _peer_review(body, article, review, links)
    return root


def _peer_review(parent, article: Article, review: PublishedReview, links: Links) -> None:
    version = article.current_version
    node = _sub(parent, "peer_review", stage="pre-publication", type=REVIEW_TYPES[review.kind],
                recommendation=RECOMMENDATIONS.get(review.recommendation or "")
                if review.kind is PublishedReviewKind.REFEREE_REPORT else None,
                # Crossref counts the first submission as round 0.
                **{"revision-round": str(max(review.round_number - 1, 0))})
    if review.kind is PublishedReviewKind.AUTHOR_RESPONSE:
        _authors(node, version)
    else:
        contributors = _sub(node, "contributors")
        role = "reviewer" if review.kind is PublishedReviewKind.REFEREE_REPORT else "editor"
        named = reviewer_of(review)
        if named is None:  # an anonymous reviewer (or the editor of a letter): no name, no identifier
            _sub(contributors, "anonymous", sequence="first", contributor_role=role)
        else:
            given, family, orcid = named
            name = _sub(contributors, "person_name", sequence="first", contributor_role=role)
            if given:
                _sub(name, "given_name", given)
            _sub(name, "surname", family)
            if orcid:
                _sub(name, "ORCID", f"https://orcid.org/{orcid}", authenticated="false")
    _sub(_sub(node, "titles"), "title", review_title(review, version.title))
    when = utc(review.published_at)
    date = _sub(node, "review_date")
    _sub(date, "month", f"{when.month:02d}")
    _sub(date, "day", f"{when.day:02d}")
    _sub(date, "year", str(when.year))
    _sub(node, "running_number", review_label(review))
    url = licence_url(version.licence)
    if url:  # published under the article's licence
        program = etree.SubElement(node, f"{{{AI_NS}}}program", {"name": "AccessIndicators"})
        etree.SubElement(program, f"{{{AI_NS}}}free_to_read")
        etree.SubElement(program, f"{{{AI_NS}}}license_ref", {"applies_to": "vor"}).text = url
    program = etree.SubElement(node, f"{{{REL_NS}}}program")
    relation = etree.SubElement(etree.SubElement(program, f"{{{REL_NS}}}related_item"),
                                f"{{{REL_NS}}}inter_work_relation",
                                {"relationship-type": "isReviewOf", "identifier-type": "doi"})
    relation.text = article.doi
    doi_data = _sub(node, "doi_data")
    _sub(doi_data, "doi", review.doi)
    _sub(doi_data, "resource", links.review(review))


def reviews_deposit_xml(issue: Issue, **kwargs) -> bytes:
    return etree.tostring(reviews_deposit(issue, **kwargs), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)


def article_reviews_deposit_xml(article: Article, **kwargs) -> bytes:
    return etree.tostring(reviews_deposit_article(article, **kwargs), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)


def reviews_file_name(subject: Issue | Article) -> str:
    """crossref-…-peer-review.xml beside the articles' crossref-….xml."""
    name = file_name(subject) if isinstance(subject, Issue) else article_file_name(subject)
    return name.removesuffix(".xml") + "-peer-review.xml"


def deposit_xml(issue: Issue, **kwargs) -> bytes:
    return etree.tostring(deposit(issue, **kwargs), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def file_name(issue: Issue) -> str:
    return f"crossref-{issue.journal.slug}-vol{issue.volume}-no{issue.number}.xml"


def article_deposit_xml(article: Article, **kwargs) -> bytes:
    return etree.tostring(deposit_article(article, **kwargs), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)


def article_file_name(article: Article) -> str:
    if article.issue is not None and article.issue.is_published:
        return file_name(article.issue)
    return f"crossref-{article.journal.slug}-{article.article_number or article.id}.xml"
