"""OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html): harvesters read every published
article's metadata as `oai_dc`, whole or since a date, per journal or section, a page at a time.

- Identifiers: `oai:<host of BASE_URL>:article/<id>`. Only published articles exist for the protocol;
  a retracted article stays a record (retraction is not deletion: readers must still find the notice), its
  notice in a `dc:description`, so `deletedRecord` is "no".
- Datestamp: the record's last change in UTC: first publication, a corrected version, or the retraction,
  whichever is latest. Granularity YYYY-MM-DDThh:mm:ssZ; `from`/`until` take days too.
- Sets: `<journal slug>` and `<journal slug>:section-<id>` (the section is a subset of its journal).
- Lists are ordered by (datestamp, id) and paged by keyset: the resumption token carries the last
  (datestamp, id), the request's arguments, the cursor and the list's size, signed with the secret key, so page
  100 costs what page 1 costs and a tampered token is refused. The datestamp is stored (`Article.datestamp`, kept
  at every flush) and indexed with the id, per journal and per section too: a page reads only its rows. A record changed during a harvest moves to the
  end of the list and may be seen twice, never missed.

- An article's published peer review (issue 18): each item's DOI is a `dc:relation` (https://doi.org/…) of the
  article's record; the items are loaded in the page's one query for its articles.

Errors are answered with HTTP 200 and <error code="…"> as the specification says (section 3.6).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from lxml import etree
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from journal.extensions import db
from journal.markup import plain_text
from journal.models import Article, Journal, PublishedReview, Section
from journal.scholarly.records import Links, iso_seconds, licence_url, people, publisher_name, setting, utc

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
XML_NS = "http://www.w3.org/XML/1998/namespace"

FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
}
VERBS = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SET_SPEC = re.compile(r"^([a-z0-9-]+)(?::section-([1-9][0-9]{0,9}))?$")
# A repository identifier must look like a domain name (oai-identifier.xsd); 127.0.0.1 or localhost do not.
DOMAIN = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+$")
DEFAULT_PAGE_SIZE = 100
TOKEN_SALT = "oai-pmh-resumption-token"


class OAIError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- the datestamp ---------------------------------------------------------------------------------------

def datestamp_of(article: Article) -> datetime:
    """The record's last change: publication, the current version's publication, the retraction (stored in
    `Article.datestamp`, kept at every flush)."""
    return utc(article.datestamp or article.last_change())


# --- requests --------------------------------------------------------------------------------------------

@dataclass
class ListQuery:
    """What a list request asks for, and where the previous page ended."""

    verb: str
    prefix: str
    since: str | None = None  # the arguments as given, for the next token
    until: str | None = None
    set_spec: str | None = None
    after: tuple[datetime, int] | None = None
    cursor: int = 0
    size: int | None = None
    bounds: tuple[datetime | None, datetime | None] = field(default=(None, None))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def make_token(query: ListQuery, last: tuple[datetime, int], cursor: int, size: int) -> str:
    return _serializer().dumps([query.verb, query.prefix, query.since, query.until, query.set_spec,
                                utc(last[0]).isoformat(), last[1], cursor, size])


def read_token(verb: str, token: str) -> ListQuery:
    try:
        parts = _serializer().loads(token)
        token_verb, prefix, since, until, set_spec, last_stamp, last_id, cursor, size = parts
        after = (datetime.fromisoformat(last_stamp), int(last_id))
        cursor, size = int(cursor), int(size)
    except (BadSignature, ValueError, TypeError):
        raise OAIError("badResumptionToken", "The resumptionToken is not one this repository issued, or it "
                                             "was changed.") from None
    if token_verb != verb:
        raise OAIError("badResumptionToken", f"This resumptionToken continues a {token_verb} list, not {verb}.")
    query = ListQuery(verb, prefix, since, until, set_spec, after=after, cursor=cursor, size=size)
    query.bounds = _bounds(since, until)
    return query


def parse_arguments(args) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, checked against the specification (OAIError otherwise).
    `args` is a werkzeug MultiDict (query string for GET, form for POST)."""
    verbs = args.getlist("verb")
    if len(verbs) != 1:
        raise OAIError("badVerb", "The verb argument is missing." if not verbs else "The verb argument is repeated.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", f"“{verb[:60]}” is not an OAI-PMH verb.")
    required, optional, exclusive = VERBS[verb]
    values: dict[str, str] = {}
    for name in args:
        if name == "verb":
            continue
        given = args.getlist(name)
        if name not in required | optional | ({exclusive} if exclusive else set()):
            raise OAIError("badArgument", f"{verb} does not take the argument “{name[:60]}”.")
        if len(given) > 1:
            raise OAIError("badArgument", f"The argument {name} is repeated.")
        if not given[0]:
            raise OAIError("badArgument", f"The argument {name} is empty.")
        values[name] = given[0]
    if exclusive and exclusive in values:
        if len(values) > 1:
            raise OAIError("badArgument", f"{exclusive} is an exclusive argument: send it with the verb alone.")
        return verb, values
    missing = sorted(required - values.keys())
    if missing:
        raise OAIError("badArgument", f"{verb} needs the argument{'s' if len(missing) > 1 else ''} "
                                      f"{' and '.join(missing)}.")
    return verb, values


def _parse_date(value: str, name: str, *, end: bool) -> tuple[datetime, str]:
    if DAY.match(value):
        granularity = "day"
        fmt = "%Y-%m-%d"
    elif SECOND.match(value):
        granularity = "second"
        fmt = "%Y-%m-%dT%H:%M:%SZ"
    else:
        raise OAIError("badArgument", f"{name} must be a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDThh:mm:ssZ).")
    try:
        moment = datetime.strptime(value, fmt).replace(tzinfo=UTC)
    except ValueError:
        raise OAIError("badArgument", f"{name} is not a real date: {value}.") from None
    if end:  # the whole day or second: a datestamp shown as 10:00:00Z may have happened at 10:00:00.5
        moment += timedelta(days=1) if granularity == "day" else timedelta(seconds=1)
    return moment, granularity


def _bounds(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """[from, until + one unit): both inclusive at the request's granularity."""
    low = _parse_date(since, "from", end=False) if since else None
    high = _parse_date(until, "until", end=True) if until else None
    if low and high:
        if low[1] != high[1]:
            raise OAIError("badArgument", "from and until must have the same granularity.")
        if low[0] >= high[0]:
            raise OAIError("badArgument", "from is later than until.")
    return (low[0] if low else None, high[0] if high else None)


def list_query(verb: str, values: dict[str, str]) -> ListQuery:
    if "resumptionToken" in values:
        return read_token(verb, values["resumptionToken"])
    query = ListQuery(verb, values["metadataPrefix"], values.get("from"), values.get("until"), values.get("set"))
    query.bounds = _bounds(query.since, query.until)
    if query.set_spec is not None and not SET_SPEC.match(query.set_spec):
        raise OAIError("badArgument", f"“{query.set_spec[:80]}” is not a setSpec of this repository (see ListSets).")
    check_format(query.prefix)
    return query


def check_format(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OAIError("cannotDisseminateFormat", f"Records are available as {', '.join(FORMATS)}, not "
                                                  f"“{prefix[:60]}”.")


def article_id_of(links: Links, identifier: str) -> int | None:
    prefix = f"oai:{links.host}:article/"
    if not identifier.startswith(prefix):
        return None
    number = identifier[len(prefix):]
    return int(number) if number.isdigit() and len(number) < 12 else None


def identifier_of(links: Links, article: Article) -> str:
    return f"oai:{links.host}:article/{article.id}"


# --- queries -------------------------------------------------------------------------------------------------

def _filtered(query, list_query: ListQuery):
    low, high = list_query.bounds
    if low is not None:
        query = query.where(Article.datestamp >= low)
    if high is not None:
        query = query.where(Article.datestamp < high)
    if list_query.set_spec:
        slug, section_id = SET_SPEC.match(list_query.set_spec).groups()
        query = query.where(Article.journal_id == select(Journal.id).where(Journal.slug == slug).scalar_subquery())
        if section_id:
            query = query.where(Article.section_id == int(section_id))
    return query


def page_of_articles(list_query: ListQuery, page_size: int) -> tuple[list[tuple[Article, datetime]], bool, int]:
    """The next page of (article, datestamp), whether more follow, and the size of the whole list
    (counted once, for the first page; later pages carry it in the token). The page is read along an index on
    (datestamp, id), for the whole archive, a journal or a section: its cost does not grow with the archive."""
    base = _filtered(select(Article.id, Article.datestamp).where(Article.datestamp.is_not(None)), list_query)
    size = list_query.size
    if size is None:  # counted once per list, from the same index
        size = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page = base
    if list_query.after is not None:
        stamp, last_id = list_query.after
        # A range from the last datestamp, then past the last id within it: both engines seek the index there (an OR
        # alone made SQLite read the index from its start, so the last page cost the most).
        page = page.where(Article.datestamp >= stamp, or_(Article.datestamp > stamp, Article.id > last_id))
    rows = db.session.execute(page.order_by(Article.datestamp, Article.id).limit(page_size + 1)).all()
    more = len(rows) > page_size
    rows = rows[:page_size]
    articles = {a.id: a for a in db.session.scalars(
        select(Article).where(Article.id.in_([r.id for r in rows]))
        .options(joinedload(Article.current_version), joinedload(Article.issue), joinedload(Article.section),
                 joinedload(Article.journal), _review_dois())).unique()}
    return [(articles[r.id], utc(r.datestamp)) for r in rows], more, size


def _review_dois():
    """The published peer review's DOIs joined into the articles' query (their text is not needed here)."""
    return joinedload(Article.published_reviews).load_only(PublishedReview.round_number, PublishedReview.position,
                                                           PublishedReview.doi)


def earliest_datestamp() -> datetime | None:
    # Every datestamp is at or after the article's publication, so the smallest publication date (indexed) is it.
    value = db.session.scalar(select(func.min(Article.published_at)).where(Article.published_at.is_not(None)))
    return utc(value) if value else None


def published_article(article_id: int) -> Article | None:
    """One published article with its published peer review (the JATS document carries its text too)."""
    return db.session.scalars(
        select(Article).where(Article.id == article_id, Article.published_at.is_not(None))
        .options(joinedload(Article.current_version), joinedload(Article.issue), joinedload(Article.section),
                 joinedload(Article.journal), joinedload(Article.published_reviews))).unique().first()


def sets() -> list[tuple[str, str]]:
    """(setSpec, setName): each journal, then its sections."""
    journals = db.session.scalars(select(Journal).order_by(Journal.slug)).all()
    sections = db.session.scalars(select(Section).order_by(Section.journal_id, Section.position, Section.id)).all()
    by_journal: dict[int, list[Section]] = {}
    for section in sections:
        by_journal.setdefault(section.journal_id, []).append(section)
    result = []
    for journal in journals:
        result.append((journal.slug, journal.title))
        for section in by_journal.get(journal.id, []):
            result.append((f"{journal.slug}:section-{section.id}", f"{journal.title}: {section.title}"))
    return result


def set_specs(article: Article) -> list[str]:
    specs = [article.journal.slug]
    if article.section_id:
        specs.append(f"{article.journal.slug}:section-{article.section_id}")
    return specs


# --- XML ----------------------------------------------------------------------------------------------------

def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _sub(parent, name: str, text: str | None = None, ns: str = OAI_NS, **attrib):
    element = etree.SubElement(parent, _q(ns, name), {k: v for k, v in attrib.items() if v is not None})
    if text is not None:
        element.text = _xml_text(text)
    return element


# Characters XML 1.0 cannot carry (control characters pasted from a PDF): dropped rather than failing the page.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", str(text))


# The values the schema allows in the <request> element's attributes; others are left out of an error's echo.
ATTRIBUTE_SHAPES = {
    "metadataPrefix": re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$"),
    "set": re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$"),
    "from": re.compile(f"{DAY.pattern}|{SECOND.pattern}"),
    "until": re.compile(f"{DAY.pattern}|{SECOND.pattern}"),
    "identifier": re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$"),
}


def envelope(links: Links, verb: str | None, values: dict[str, str], now: datetime):
    """The <OAI-PMH> root with responseDate and request; attributes only for a well-formed request."""
    root = etree.Element(_q(OAI_NS, "OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(_q(XSI_NS, "schemaLocation"), f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    _sub(root, "responseDate", iso_seconds(now))
    request = _sub(root, "request", base_url(links))
    if verb is not None:
        request.set("verb", verb)
        for name, value in sorted(values.items()):
            shape = ATTRIBUTE_SHAPES.get(name)
            if shape is None or shape.match(value):
                request.set(name, _xml_text(value))
    return root


def base_url(links: Links) -> str:
    return links.build("oai.endpoint")


def error_document(links: Links, error: OAIError, verb: str | None, values: dict[str, str], now: datetime):
    show = error.code not in ("badVerb", "badArgument")
    root = envelope(links, verb if show else None, values if show else {}, now)
    _sub(root, "error", error.message, code=error.code)
    return root


def admin_email() -> str:
    return setting("OAI_ADMIN_EMAIL", parseaddr(current_app.config.get("MAIL_FROM", ""))[1]) or "admin@example.org"


def identify(root, links: Links) -> None:
    node = _sub(root, "Identify")
    _sub(node, "repositoryName", current_app.config.get("PLATFORM_NAME") or "Journals")
    _sub(node, "baseURL", base_url(links))
    _sub(node, "protocolVersion", "2.0")
    _sub(node, "adminEmail", admin_email())
    earliest = earliest_datestamp()
    _sub(node, "earliestDatestamp", iso_seconds(earliest) if earliest else "1970-01-01T00:00:00Z")
    _sub(node, "deletedRecord", "no")
    _sub(node, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    if DOMAIN.match(links.host):
        description = _sub(node, "description")
        ident = etree.SubElement(description, _q(OAI_ID_NS, "oai-identifier"), nsmap={None: OAI_ID_NS})
        ident.set(_q(XSI_NS, "schemaLocation"),
                  f"{OAI_ID_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
        for name, text in (("scheme", "oai"), ("repositoryIdentifier", links.host), ("delimiter", ":"),
                           ("sampleIdentifier", f"oai:{links.host}:article/1")):
            _sub(ident, name, text, ns=OAI_ID_NS)


def list_metadata_formats(root) -> None:
    node = _sub(root, "ListMetadataFormats")
    for prefix, (schema, namespace) in FORMATS.items():
        entry = _sub(node, "metadataFormat")
        _sub(entry, "metadataPrefix", prefix)
        _sub(entry, "schema", schema)
        _sub(entry, "metadataNamespace", namespace)


def list_sets(root) -> None:
    node = _sub(root, "ListSets")
    for spec, name in sets():
        entry = _sub(node, "set")
        _sub(entry, "setSpec", spec)
        _sub(entry, "setName", name)


def header(parent, links: Links, article: Article, datestamp: datetime) -> None:
    node = _sub(parent, "header")
    _sub(node, "identifier", identifier_of(links, article))
    _sub(node, "datestamp", iso_seconds(datestamp))
    for spec in set_specs(article):
        _sub(node, "setSpec", spec)


def record(parent, links: Links, article: Article, datestamp: datetime) -> None:
    node = _sub(parent, "record")
    header(node, links, article, datestamp)
    metadata = _sub(node, "metadata")
    oai_dc(metadata, links, article)


def oai_dc(parent, links: Links, article: Article) -> None:
    """Simple Dublin Core of the article's current version."""
    version = article.current_version
    journal, issue = article.journal, article.published_issue
    dc = etree.SubElement(parent, _q(OAI_DC_NS, "dc"), nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
    dc.set(_q(XSI_NS, "schemaLocation"), f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    language = version.language or None

    def add(name: str, text: str | None, lang: str | None = None) -> None:
        if text:
            element = _sub(dc, name, text, ns=DC_NS)
            if lang:
                element.set(_q(XML_NS, "lang"), lang)

    second = version.translated_language or None
    add("title", version.title, language)
    if second:
        add("title", version.translated_title, second)
    for person in people(version):
        add("creator", person.inverted)
    for keyword in version.keywords or []:
        add("subject", keyword, language)
    for keyword in (version.translated_keywords or []) if second else []:
        add("subject", keyword, second)
    add("description", plain_text(version.abstract), language)
    if second:
        add("description", plain_text(version.translated_abstract), second)
    if article.is_retracted and article.retracted_at:
        add("description", f"Retracted on {utc(article.retracted_at):%Y-%m-%d}: {article.retraction_notice}", "en")
    add("publisher", publisher_name(journal))
    add("date", f"{utc(article.published_at):%Y-%m-%d}")
    add("type", "Text")
    add("type", "info:eu-repo/semantics/article")
    if article.section is not None:
        add("type", article.section.title)
    if version.galley_file_id:
        add("format", "application/pdf")
    if article.doi_url:
        add("identifier", article.doi_url)
    add("identifier", links.article(article))
    add("source", source_line(article))
    for issn in (journal.issn_online, journal.issn_print):
        add("source", issn)
    add("language", version.language)
    for review in article.published_reviews:  # the published peer review: reports, decision letters, responses
        add("relation", f"https://doi.org/{review.doi}" if review.doi else None)
    add("rights", licence_url(version.licence) or "All rights reserved")


def source_line(article: Article) -> str:
    """'Journal of Deep Space Exploration; Vol. 3 No. 2 (2026); 5–17'"""
    parts = [article.journal.title]
    if article.published_issue is not None:
        parts.append(article.published_issue.label)
    if article.pages:
        parts.append(article.pages)
    elif article.article_number:
        parts.append(article.article_number)
    return "; ".join(parts)


def list_records(root, links: Links, list_query: ListQuery, page_size: int) -> None:
    rows, more, size = page_of_articles(list_query, page_size)
    if not rows:
        raise OAIError("noRecordsMatch", "No records match these arguments.")
    node = _sub(root, list_query.verb)
    for article, datestamp in rows:
        if list_query.verb == "ListRecords":
            record(node, links, article, datestamp)
        else:
            header(node, links, article, datestamp)
    cursor = list_query.cursor
    if more:
        article, datestamp = rows[-1]
        token = make_token(list_query, (datestamp, article.id), cursor + len(rows), size)
        _sub(node, "resumptionToken", token, completeListSize=str(size), cursor=str(cursor))
    elif list_query.after is not None:  # the last page of a resumed list: an empty token ends it
        _sub(node, "resumptionToken", "", completeListSize=str(max(size, cursor + len(rows))), cursor=str(cursor))


def get_record(root, links: Links, values: dict[str, str]) -> None:
    check_format(values["metadataPrefix"])
    article = _article_or_error(links, values["identifier"])
    node = _sub(root, "GetRecord")
    record(node, links, article, datestamp_of(article))


def _article_or_error(links: Links, identifier: str) -> Article:
    article_id = article_id_of(links, identifier)
    article = published_article(article_id) if article_id is not None else None
    if article is None:
        raise OAIError("idDoesNotExist", f"There is no record “{identifier[:120]}” in this repository.")
    return article


def respond(args, *, now: datetime | None = None) -> bytes:
    """The whole OAI-PMH response document for a request's arguments."""
    now = now or datetime.now(UTC)
    verb, values = None, {}
    links = Links()
    try:
        verb, values = parse_arguments(args)
        root = envelope(links, verb, values, now)
        if verb == "Identify":
            identify(root, links)
        elif verb == "ListMetadataFormats":
            if "identifier" in values:
                _article_or_error(links, values["identifier"])
            list_metadata_formats(root)
        elif verb == "ListSets":
            if "resumptionToken" in values:
                raise OAIError("badResumptionToken", "ListSets is answered in one response; there is no token "
                                                     "to resume.")
            list_sets(root)
        elif verb == "GetRecord":
            get_record(root, links, values)
        else:
            page_size = int(current_app.config.get("OAI_PAGE_SIZE", DEFAULT_PAGE_SIZE))
            list_records(root, links, list_query(verb, values), page_size)
    except OAIError as error:
        if verb is None:
            values = {}
        root = error_document(links, error, verb, values, now)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
