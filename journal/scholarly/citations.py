"""How a published article is cited and found: Highwire Press citation_* tags, schema.org JSON-LD, an APA-like
"how to cite", BibTeX and RIS. All from the frozen version readers see, with absolute links from BASE_URL.

Nothing here reads review data or anything unpublished: callers pass a published article and one of its
published versions. The JSON-LD lists the article's published peer review (`PublishedReview` snapshots) as schema.org
`Review`s, naming only the reviewers who chose to be named.
"""

import json
import re
import unicodedata
from datetime import datetime

from markupsafe import Markup, escape

from journal.markup import plain_text
from journal.models import Article, ArticleVersion, Journal
from journal.scholarly.records import (Links, Person, licence_name, licence_url, people, publisher_name,
                                       review_title, reviewer_of, utc)


def _pdf_url(links: Links, article: Article, version: ArticleVersion) -> str | None:
    if version.galley_file_id is None:
        return None
    if version.id == article.current_version_id:
        return links.pdf(article)
    return links.build("public.article_version_pdf", slug=article.journal.slug, article_id=article.id,
                       number=version.number)


def _page_url(links: Links, article: Article, version: ArticleVersion) -> str:
    if version.id == article.current_version_id:
        return links.article(article)
    return links.build("public.article_version", slug=article.journal.slug, article_id=article.id,
                       number=version.number)


def _orcid_url(orcid: str) -> str:
    return f"https://orcid.org/{orcid}"


def _institution(person: Person) -> str:
    return person.affiliation


def _date(article: Article) -> datetime:
    return utc(article.published_at)


# --- Highwire Press tags (Google Scholar) ---------------------------------------------------------------

def highwire_tags(article: Article, version: ArticleVersion, links: Links) -> list[tuple[str, str, str | None]]:
    """(name, content, language) in Highwire order: each citation_author followed by its institution and ORCID;
    the title, abstract and keywords in the paper's second language marked with that language."""
    return [(tag[0], tag[1], tag[2] if len(tag) > 2 else None) for tag in _highwire(article, version, links)]


def _highwire(article: Article, version: ArticleVersion, links: Links) -> list[tuple]:
    journal = article.journal
    second = version.translated_language or None
    tags = [("citation_title", version.title, version.language or None)]
    if second and version.translated_title:
        tags.append(("citation_title", version.translated_title, second))
    for person in people(version):
        tags.append(("citation_author", person.inverted))
        if person.affiliation:
            tags.append(("citation_author_institution", _institution(person)))
        if person.orcid:
            tags.append(("citation_author_orcid", _orcid_url(person.orcid)))
    tags.append(("citation_publication_date", _date(article).strftime("%Y/%m/%d")))
    if version.published_at and version.number > 1:
        tags.append(("citation_online_date", utc(version.published_at).strftime("%Y/%m/%d")))
    tags.append(("citation_journal_title", journal.title))
    if journal.abbreviation:
        tags.append(("citation_journal_abbrev", journal.abbreviation))
    for issn in (journal.issn_online, journal.issn_print):
        if issn:
            tags.append(("citation_issn", issn))
    if publisher_name(journal):
        tags.append(("citation_publisher", publisher_name(journal)))
    if article.published_issue is not None:
        tags += [("citation_volume", str(article.published_issue.volume)), ("citation_issue", str(article.published_issue.number))]
    if article.first_page is not None:
        tags.append(("citation_firstpage", str(article.first_page)))
        tags.append(("citation_lastpage", str(article.last_page or article.first_page)))
    elif article.article_number:
        tags.append(("citation_firstpage", article.article_number))
    if article.doi:
        tags.append(("citation_doi", article.doi))
    if version.keywords:
        tags.append(("citation_keywords", "; ".join(version.keywords)))
    if second and version.translated_keywords:
        tags.append(("citation_keywords", "; ".join(version.translated_keywords), second))
    if second and version.translated_abstract:
        tags.append(("citation_abstract", plain_text(version.translated_abstract), second))
    if version.language:
        tags.append(("citation_language", version.language))
    pdf = _pdf_url(links, article, version)
    if pdf:
        tags.append(("citation_pdf_url", pdf))
    tags.append(("citation_abstract_html_url", _page_url(links, article, version)))
    return tags


# --- schema.org JSON-LD ------------------------------------------------------------------------------------

def json_ld(article: Article, version: ArticleVersion, links: Links, abstract_text: str) -> Markup:
    """A ScholarlyArticle as JSON, safe inside <script type="application/ld+json"> (no '<', '>' or '&')."""
    journal = article.journal
    authors = []
    for person in people(version):
        entry = {"@type": "Person", "name": f"{person.given_name} {person.family_name}".strip(),
                 "givenName": person.given_name or None, "familyName": person.family_name or None}
        if person.orcid:
            entry["@id"] = _orcid_url(person.orcid)
            entry["identifier"] = _orcid_url(person.orcid)
        if person.affiliation:
            entry["affiliation"] = {"@type": "Organization", "name": person.affiliation}
        if person.native_name:  # the name in the author's own script: 李伟
            entry["alternateName"] = person.native_name
        authors.append({k: v for k, v in entry.items() if v is not None})
    periodical = {"@type": "Periodical", "name": journal.title,
                  "issn": [i for i in (journal.issn_online, journal.issn_print) if i] or None,
                  "publisher": {"@type": "Organization", "name": publisher_name(journal)} if publisher_name(journal)
                  else None}
    part_of = {k: v for k, v in periodical.items() if v is not None}
    if article.published_issue is not None:
        part_of = {"@type": "PublicationIssue", "issueNumber": str(article.published_issue.number),
                   "datePublished": str(article.published_issue.year),
                   "isPartOf": {"@type": "PublicationVolume", "volumeNumber": str(article.published_issue.volume),
                                "isPartOf": part_of}}
    data = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "@id": links.article(article),
        "url": _page_url(links, article, version),
        "headline": version.title[:110],
        "name": version.title,
        "author": authors,
        "datePublished": _date(article).date().isoformat(),
        "dateModified": utc(version.published_at or article.published_at).date().isoformat(),
        "isPartOf": part_of,
        "abstract": abstract_text or None,
        "keywords": ", ".join(version.keywords) if version.keywords else None,
        "inLanguage": version.language or None,
        "license": licence_url(version.licence) or licence_name(version.licence) or None,
        "isAccessibleForFree": True,
        "version": str(version.number),
    }
    if version.translated_language and version.translated_title:
        # The second language's title and abstract, each a value tagged with its language (JSON-LD @language).
        second = version.translated_language
        data["alternativeHeadline"] = {"@value": version.translated_title, "@language": second}
        if version.translated_abstract:
            data["abstract"] = [v for v in ({"@value": abstract_text, "@language": version.language or "en"}
                                            if abstract_text else None,
                                            {"@value": plain_text(version.translated_abstract), "@language": second})
                                if v]
        if version.translated_keywords:
            data["keywords"] = ", ".join([*(version.keywords or []), *version.translated_keywords])
    if article.first_page is not None:
        data["pageStart"] = str(article.first_page)
        data["pageEnd"] = str(article.last_page or article.first_page)
    elif article.article_number:
        data["pagination"] = article.article_number
    if article.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": article.doi}
        data["sameAs"] = article.doi_url
    pdf = _pdf_url(links, article, version)
    if pdf:
        data["encoding"] = {"@type": "MediaObject", "encodingFormat": "application/pdf", "contentUrl": pdf}
    if article.is_retracted:
        data["creativeWorkStatus"] = "Retracted"
    reviews = [_review(links, article, review) for review in article.published_reviews]
    if reviews:
        data["review"] = reviews
    text = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False, indent=1)
    # "</script>" or "<!--" in a title must not end the element: JSON allows these escapes anywhere in strings.
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)


def _review(links: Links, article: Article, review) -> dict:
    """One item of the published peer review as a schema.org Review; an author only for a reviewer who chose to be
    named (an anonymous one has none at all)."""
    entry = {"@type": "Review", "@id": links.review(review), "url": links.review(review),
             "name": review_title(review, article.current_version.title),
             "datePublished": utc(review.published_at).date().isoformat()}
    if review.doi:
        entry["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": review.doi}
        entry["sameAs"] = review.doi_url
    named = reviewer_of(review)
    if named is not None:
        person = {"@type": "Person", "name": review.reviewer_name}
        if named[2]:
            person["sameAs"] = _orcid_url(named[2])
        entry["author"] = person
    return entry


# --- How to cite (APA-like) --------------------------------------------------------------------------------

def _initials(given: str) -> str:
    """'Mei-Ling Anna' -> 'M.-L. A.'"""
    parts = []
    for word in given.split():
        pieces = [p for p in word.split("-") if p]
        parts.append("-".join(p[0].upper() + "." for p in pieces))
    return " ".join(parts)


def _apa_name(person: Person) -> str:
    if person.family_name and person.given_name:
        return f"{person.family_name}, {_initials(person.given_name)}"
    return person.family_name or person.given_name


def _apa_authors(persons: list[Person]) -> str:
    names = [_apa_name(p) for p in persons]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) > 20:  # APA 7: the first nineteen, an ellipsis, the last
        return ", ".join(names[:19]) + ", \u2026 " + names[-1]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def how_to_cite(article: Article, version: ArticleVersion) -> Markup:
    """Chen, M., & Watanabe, K. (2026). Title. <i>Journal</i>, <i>3</i>(2), 1–3. https://doi.org/…"""
    journal = article.journal
    authors = _apa_authors(people(version))
    title = version.title.rstrip()
    if not title.endswith(("?", "!", ".")):
        title += "."
    parts = [escape(authors) + " " if authors else Markup(""), escape(f"({_date(article).year}). "),
             escape(title) + " ", Markup("<i>") + escape(journal.title) + Markup("</i>")]
    if article.published_issue is not None:
        parts.append(Markup(", <i>") + escape(str(article.published_issue.volume)) + Markup("</i>")
                     + escape(f"({article.published_issue.number})"))
    if article.pages:
        parts.append(escape(f", {article.pages}"))
    elif article.article_number:
        parts.append(escape(f", {article.article_number}"))
    parts.append(Markup("."))
    if article.is_retracted:
        parts.append(Markup(" (Retracted)"))
    if article.doi:
        parts.append(Markup(" ") + escape(article.doi_url))
    return Markup("").join(parts)


# --- BibTeX ------------------------------------------------------------------------------------------------

_TEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
                 "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$\n]+?\$)", re.DOTALL)


def tex_escape(text: str) -> str:
    """Plain text for a BibTeX field: TeX specials escaped, non-ASCII kept as UTF-8 (biber and BibLaTeX read it);
    formulas written as $…$ stay formulas when their braces balance."""
    out = []
    for i, piece in enumerate(_MATH.split(text or "")):
        if i % 2 == 1 and _balanced(piece):
            out.append(piece)
        else:
            out.append("".join(_TEX_SPECIALS.get(ch, ch) for ch in piece))
    return " ".join("".join(out).split())


def _balanced(text: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text):
        token = match.group()
        depth += 1 if token == "{" else -1 if token == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded).lower()


def bibtex_key(article: Article, version: ArticleVersion) -> str:
    """chen2026regolith: first author's family name, year, first long word of the title (ASCII only)."""
    persons = people(version)
    name = _ascii_word(persons[0].family_name or persons[0].given_name) if persons else ""
    words = [w for w in (_ascii_word(w) for w in version.title.split()) if len(w) > 3] or ["article"]
    return f"{name or article.journal.slug}{_date(article).year}{words[0]}"


def bibtex(article: Article, version: ArticleVersion, links: Links) -> str:
    journal = article.journal
    persons = people(version)
    date = _date(article)
    fields = [("author", " and ".join(tex_escape(p.inverted) for p in persons)),
              ("title", tex_escape(version.title)),
              ("journal", tex_escape(journal.title)),
              ("year", str(date.year)),
              ("month", date.strftime("%b").lower())]
    if article.published_issue is not None:
        fields += [("volume", str(article.published_issue.volume)), ("number", str(article.published_issue.number))]
    if article.first_page is not None:
        last = article.last_page or article.first_page
        fields.append(("pages", str(article.first_page) if last == article.first_page
                       else f"{article.first_page}--{last}"))
    elif article.article_number:
        fields.append(("eid", article.article_number))
    if article.doi:
        fields.append(("doi", tex_escape(article.doi)))
    fields.append(("url", links.article(article)))
    issn = journal.issn_online or journal.issn_print
    if issn:
        fields.append(("issn", issn))
    if publisher_name(journal):
        fields.append(("publisher", tex_escape(publisher_name(journal))))
    if version.keywords:
        fields.append(("keywords", tex_escape(", ".join(version.keywords))))
    if licence_url(version.licence):
        fields.append(("copyright", tex_escape(licence_name(version.licence))))
    if article.is_retracted:
        fields.append(("note", "Retracted"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    # "month" takes BibTeX's own three-letter macro, not a braced string.
    body = re.sub(r"  month = \{(\w+)\}", r"  month = \1", body)
    return f"@article{{{bibtex_key(article, version)},\n{body}\n}}\n"


# --- RIS ---------------------------------------------------------------------------------------------------

def _ris_text(text: str) -> str:
    return " ".join((text or "").split())


def ris(article: Article, version: ArticleVersion, links: Links, abstract_text: str) -> str:
    """RIS (Reference Manager, EndNote, Zotero): one tag per line, CRLF line ends, ending with 'ER  - '."""
    journal = article.journal
    date = _date(article)
    lines = [("TY", "JOUR")]
    lines += [("AU", p.inverted) for p in people(version)]
    lines += [("TI", _ris_text(version.title)), ("T2", journal.title)]
    if journal.abbreviation:
        lines.append(("J2", journal.abbreviation))
    lines += [("PY", str(date.year)), ("DA", date.strftime("%Y/%m/%d"))]
    if article.published_issue is not None:
        lines += [("VL", str(article.published_issue.volume)), ("IS", str(article.published_issue.number))]
    if article.first_page is not None:
        lines += [("SP", str(article.first_page)), ("EP", str(article.last_page or article.first_page))]
    elif article.article_number:
        lines.append(("SP", article.article_number))
    for issn in (journal.issn_online, journal.issn_print):
        if issn:
            lines.append(("SN", issn))
    if publisher_name(journal):
        lines.append(("PB", publisher_name(journal)))
    if article.doi:
        lines.append(("DO", article.doi))
    lines.append(("UR", links.article(article)))
    pdf = _pdf_url(links, article, version)
    if pdf:
        lines.append(("L1", pdf))
    lines += [("KW", _ris_text(k)) for k in version.keywords or []]
    if abstract_text:
        lines.append(("AB", _ris_text(abstract_text)))
    if version.language:
        lines.append(("LA", version.language))
    if article.is_retracted:
        lines.append(("N1", "Retracted"))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


def file_base(journal: Journal, article: Article) -> str:
    """A download's name without extension (the PDF, BibTeX, RIS and JATS files): the DOI's suffix, else slug-id."""
    return (article.doi.split("/", 1)[1] if article.doi else f"{journal.slug}-{article.id}").replace("/", "-")
