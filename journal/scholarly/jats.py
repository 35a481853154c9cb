"""JATS 1.3 (ANSI/NISO Z39.96-2021, Journal Publishing tag set) front matter of a published article:
journal-meta and article-meta, for indexers and archives (PubMed Central, DOAJ, Crossref's JATS abstracts).

The abstract is written in Markdown with TeX math (journal/markup.py); here it becomes JATS paragraphs, lists,
italic/bold/monospace, links (`ext-link`) and formulas as `tex-math`, so no formula is lost to plain text.
The same builder writes Crossref's namespaced `jats:abstract` (crossref.py).

An article's published peer review (issue 18) follows its back matter as `<sub-article>`s, as JATS4R's peer review
recommendations set them out: article-type "referee-report", "editor-report" (the decision letter) or
"author-comment" (the authors' response), each with its DOI, title, date, its author (a named reviewer with their
ORCID iD; an anonymous one as `<anonymous/>` and their label, nothing more), a link to the article and the text.
"""

import pycountry
from lxml import etree

from journal.fulltext import jats_body
from journal.markup import MARKDOWN  # the very parser that renders the abstract on the article page
from journal.models import Article, PublishedReview, PublishedReviewKind
from journal.scholarly.records import (Links, licence_name, licence_url, people, publisher_name, review_anchor,
                                       review_label, review_title, reviewer_of, script_language, utc)

XLINK_NS = "http://www.w3.org/1999/xlink"
MML_NS = "http://www.w3.org/1998/Math/MathML"
ALI_NS = "http://www.niso.org/schemas/ali/1.0/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
DOCTYPE = ('<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN" '
           '"https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3.dtd">')
# JATS's suggested article-type values, from the section's name; anything else is a research article.
ARTICLE_TYPES = (("review", "review-article"), ("letter", "letter"), ("editorial", "editorial"),
                 ("correction", "correction"), ("report", "research-article"))


def article_type(article: Article) -> str:
    title = (article.section.title if article.section is not None else "").lower()
    return next((kind for word, kind in ARTICLE_TYPES if word in title), "research-article")


class _Writer:
    """Builds elements in no namespace (JATS proper) or in Crossref's JATS namespace."""

    def __init__(self, namespace: str | None = None):
        self.namespace = namespace

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}" if self.namespace else name

    def sub(self, parent, name: str, text: str | None = None, **attrib):
        element = etree.SubElement(parent, self.tag(name), {
            (f"{{{XML_NS}}}lang" if k == "xml_lang" else k.replace("_", "-")): v
            for k, v in attrib.items() if v is not None})
        if text is not None:
            element.text = clean_text(text)
        return element


_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])


def clean_text(text) -> str:
    """Text XML 1.0 can carry: control characters (pasted from PDFs) dropped."""
    return str(text).translate(_CONTROL)


def _append_text(element, text: str) -> None:
    text = clean_text(text)
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


def abstract_into(parent, markdown_text: str, *, namespace: str | None = None) -> None:
    """The abstract's Markdown as JATS block elements appended to `parent` (an <abstract>)."""
    w = _Writer(namespace)
    stack = [parent]
    for token in MARKDOWN.parse(markdown_text or ""):
        kind = token.type
        top = stack[-1]
        if kind == "paragraph_open":
            stack.append(w.sub(top, "p"))
        elif kind in ("paragraph_close", "list_item_close", "heading_close"):
            stack.pop()
        elif kind in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            stack.pop()
            stack.pop()
        # Lists and quotations sit inside a paragraph in JATS (an abstract holds paragraphs and sections).
        elif kind in ("bullet_list_open", "ordered_list_open"):
            stack.append(w.sub(top, "p"))
            stack.append(w.sub(stack[-1], "list", list_type="bullet" if kind == "bullet_list_open" else "order"))
        elif kind == "list_item_open":
            stack.append(w.sub(top, "list-item"))
        elif kind == "blockquote_open":
            stack.append(w.sub(top, "p"))
            stack.append(w.sub(stack[-1], "disp-quote"))
        elif kind == "heading_open":
            stack.append(w.sub(w.sub(top, "p"), "bold"))
        elif kind == "inline":
            _inline_into(w, top, token.children or [])
        elif kind == "math_block":
            formula = w.sub(w.sub(top, "p"), "disp-formula")
            w.sub(formula, "tex-math", token.content.strip())
        elif kind in ("code_block", "fence"):
            w.sub(w.sub(top, "p"), "preformat", token.content.rstrip("\n"))
        elif kind == "tr_open":
            stack.append(w.sub(top, "p"))
        elif kind == "tr_close":
            stack.pop()
        elif kind in ("th_open", "td_open") and len(top) + len(top.text or ""):
            _append_text(top, " | ")
    # An empty abstract still needs a paragraph to be valid.
    if not len(parent):
        w.sub(parent, "p", "")


def _inline_into(w: _Writer, parent, children) -> None:
    stack = [parent]
    for child in children:
        kind = child.type
        top = stack[-1]
        if kind in ("text", "html_inline"):
            _append_text(top, child.content)
        elif kind in ("softbreak", "hardbreak"):
            _append_text(top, " ")
        elif kind == "code_inline":
            w.sub(top, "monospace", child.content)
        elif kind in ("em_open", "strong_open"):
            stack.append(w.sub(top, "italic" if kind == "em_open" else "bold"))
        elif kind == "link_open":
            link = w.sub(top, "ext-link", ext_link_type="uri")
            link.set(f"{{{XLINK_NS}}}href", child.attrGet("href") or "")
            stack.append(link)
        elif kind in ("em_close", "strong_close", "link_close"):
            stack.pop()
        elif kind in ("math_inline", "math_inline_double"):
            formula = w.sub(top, "inline-formula")
            w.sub(formula, "tex-math", child.content.strip())


def _date(w: _Writer, parent, name: str, value, **attrib) -> None:
    value = utc(value)
    node = w.sub(parent, name, **attrib)
    w.sub(node, "day", f"{value.day:02d}")
    w.sub(node, "month", f"{value.month:02d}")
    w.sub(node, "year", str(value.year))


def front(article: Article, links: Links):
    """The <article> element with its <front>: journal-meta and article-meta of the current version."""
    w = _Writer()
    version, journal, issue = article.current_version, article.journal, article.published_issue
    root = etree.Element("article", {"article-type": article_type(article), "dtd-version": "1.3"},
                         nsmap={"xlink": XLINK_NS, "mml": MML_NS, "ali": ALI_NS})
    root.set(f"{{{XML_NS}}}lang", version.language or "en")
    front_node = w.sub(root, "front")

    meta = w.sub(front_node, "journal-meta")
    w.sub(meta, "journal-id", journal.slug, journal_id_type="publisher-id")
    titles = w.sub(meta, "journal-title-group")
    w.sub(titles, "journal-title", journal.title)
    if journal.abbreviation:
        w.sub(titles, "abbrev-journal-title", journal.abbreviation, abbrev_type="publisher")
    if journal.issn_print:
        w.sub(meta, "issn", journal.issn_print, publication_format="print")
    if journal.issn_online:
        w.sub(meta, "issn", journal.issn_online, publication_format="electronic")
    publisher = w.sub(meta, "publisher")
    w.sub(publisher, "publisher-name", publisher_name(journal))

    meta = w.sub(front_node, "article-meta")
    if article.doi:
        w.sub(meta, "article-id", article.doi, pub_id_type="doi")
    w.sub(meta, "article-id", str(article.id), pub_id_type="publisher-id")
    if article.section is not None:
        categories = w.sub(meta, "article-categories")
        w.sub(w.sub(categories, "subj-group", subj_group_type="heading"), "subject", article.section.title)
    titles = w.sub(meta, "title-group")
    w.sub(titles, "article-title", version.title)
    second = version.translated_language or None
    if version.translated_title and second:
        w.sub(w.sub(titles, "trans-title-group", xml_lang=second), "trans-title", version.translated_title)

    byline = people(version)
    affiliations: dict[tuple[str, str], str] = {}
    for person in byline:
        place = (person.affiliation, person.country, person.translated_affiliation)
        if person.affiliation and place not in affiliations:
            affiliations[place] = f"aff{len(affiliations) + 1}"
    group = w.sub(meta, "contrib-group")
    for person in byline:
        contrib = w.sub(group, "contrib", contrib_type="author", corresp="yes" if person.corresponding else None)
        if person.orcid:
            w.sub(contrib, "contrib-id", f"https://orcid.org/{person.orcid}", contrib_id_type="orcid",
                  authenticated="true" if person.orcid_authenticated else "false")
        # The Latin form and the name in the author's own script (李伟), each marked with its language.
        names = w.sub(contrib, "name-alternatives") if person.native_name else contrib
        name = w.sub(names, "name", name_style="western")
        w.sub(name, "surname", person.family_name or person.given_name)
        if person.family_name and person.given_name:
            w.sub(name, "given-names", person.given_name)
        if person.native_name:
            native_language = script_language(person.native_name, second)
            w.sub(names, "string-name", person.native_name, xml_lang=native_language,
                  name_style="eastern" if native_language in ("zh", "ja", "ko") else None)
        if person.email:
            w.sub(contrib, "email", person.email)
        if person.affiliation:
            aff_id = affiliations[(person.affiliation, person.country, person.translated_affiliation)]
            w.sub(contrib, "xref", aff_id.removeprefix("aff"), ref_type="aff", rid=aff_id)
    for (institution, country, translated), aff_id in affiliations.items():
        if translated and second:  # the affiliation in both languages
            holder = w.sub(group, "aff-alternatives", id=aff_id)
            _aff(w, holder, aff_id, institution, country, xml_lang=version.language or None)
            _aff(w, holder, aff_id, translated, country, xml_lang=second)
        else:
            _aff(w, group, aff_id, institution, country, id=aff_id)

    _date(w, meta, "pub-date", article.published_at, publication_format="electronic", date_type="pub")
    if issue is not None and issue.published_at is not None and utc(issue.published_at).date() != \
            utc(article.published_at).date():  # published online first, gathered into the issue later
        _date(w, meta, "pub-date", issue.published_at, publication_format="electronic", date_type="collection")
    if issue is not None:
        w.sub(meta, "volume", str(issue.volume))
        w.sub(meta, "issue", str(issue.number))
    if article.first_page is not None:
        w.sub(meta, "fpage", str(article.first_page))
        w.sub(meta, "lpage", str(article.last_page or article.first_page))
    else:
        w.sub(meta, "elocation-id", article.article_number or str(article.id))
    if version.number > 1 or article.is_retracted:
        history = w.sub(meta, "pub-history")
        for earlier in sorted(article.versions, key=lambda v: v.number):
            if earlier.published_at is None or earlier.number == 1:
                continue
            event = w.sub(history, "event", event_type="corrected")
            w.sub(event, "event-desc", f"Version {earlier.number}: {earlier.change_note}")
            _date(w, event, "date", earlier.published_at, date_type="corrected")
        if article.is_retracted and article.retracted_at:
            event = w.sub(history, "event", event_type="retracted")
            w.sub(event, "event-desc", f"Retracted: {article.retraction_notice}")
            _date(w, event, "date", article.retracted_at, date_type="retracted")
        if not len(history):
            meta.remove(history)

    permissions = w.sub(meta, "permissions")
    w.sub(permissions, "copyright-statement",
          f"© {utc(article.published_at).year} The authors" if licence_url(version.licence)
          else f"© {utc(article.published_at).year} The authors. All rights reserved.")
    w.sub(permissions, "copyright-year", str(utc(article.published_at).year))
    url = licence_url(version.licence)
    if url:
        etree.SubElement(permissions, f"{{{ALI_NS}}}free_to_read")  # an open licence: no subscription needed
        licence = w.sub(permissions, "license")
        licence.set(f"{{{XLINK_NS}}}href", url)
        etree.SubElement(licence, f"{{{ALI_NS}}}license_ref").text = url
        w.sub(licence, "license-p", f"This article is distributed under the {licence_name(version.licence)} "
                                    f"licence.")
    self_uri = w.sub(meta, "self-uri")
    self_uri.set(f"{{{XLINK_NS}}}href", links.article(article))
    if version.galley_file_id:
        pdf = w.sub(meta, "self-uri", content_type="pdf")
        pdf.set(f"{{{XLINK_NS}}}href", links.pdf(article))
    abstract_into(w.sub(meta, "abstract"), version.abstract)
    if version.translated_abstract and second:
        abstract_into(w.sub(meta, "trans-abstract", xml_lang=second), version.translated_abstract)
    if version.keywords:
        keywords = w.sub(meta, "kwd-group", kwd_group_type="author")
        for keyword in version.keywords:
            w.sub(keywords, "kwd", keyword)
    if version.translated_keywords and second:
        keywords = w.sub(meta, "kwd-group", kwd_group_type="author", xml_lang=second)
        for keyword in version.translated_keywords:
            w.sub(keywords, "kwd", keyword)
    if version.funding:
        w.sub(w.sub(meta, "funding-group"), "funding-statement", version.funding)
    if version.data_availability or version.data_links:
        _data_availability(w, root, version)
    _full_text(root, article, version, links)
    for review in article.published_reviews:
        _sub_article(w, root, article, review, links)
    return root


SUB_ARTICLE_TYPES = {
    PublishedReviewKind.REFEREE_REPORT: "referee-report",
    PublishedReviewKind.DECISION_LETTER: "editor-report",
    PublishedReviewKind.AUTHOR_RESPONSE: "author-comment",
}


def _sub_article(w: "_Writer", root, article: Article, review: PublishedReview, links: Links) -> None:
    """One published item of the peer review as a <sub-article> after the article's back matter."""
    sub = w.sub(root, "sub-article", article_type=SUB_ARTICLE_TYPES[review.kind], id=review_anchor(review))
    stub = w.sub(sub, "front-stub")
    if review.doi:
        w.sub(stub, "article-id", review.doi, pub_id_type="doi")
    w.sub(w.sub(stub, "title-group"), "article-title", review_title(review, article.current_version.title))
    group = w.sub(stub, "contrib-group")
    if review.kind is PublishedReviewKind.AUTHOR_RESPONSE:
        for person in people(article.current_version):
            contrib = w.sub(group, "contrib", contrib_type="author")
            if person.orcid:
                w.sub(contrib, "contrib-id", f"https://orcid.org/{person.orcid}", contrib_id_type="orcid",
                      authenticated="false")
            name = w.sub(contrib, "name", name_style="western")
            w.sub(name, "surname", person.family_name or person.given_name)
            if person.family_name and person.given_name:
                w.sub(name, "given-names", person.given_name)
            w.sub(contrib, "role", "Author", specific_use="author")
        if not len(group):
            stub.remove(group)
    elif review.kind is PublishedReviewKind.DECISION_LETTER:
        contrib = w.sub(group, "contrib", contrib_type="editor")
        w.sub(contrib, "anonymous")
        w.sub(contrib, "role", "Editor", specific_use="editor")
    else:
        contrib = w.sub(group, "contrib", contrib_type="author")
        named = reviewer_of(review)
        if named is None:  # anonymous: the label is all there is
            w.sub(contrib, "anonymous")
        else:
            orcid = named[2]
            if orcid:
                w.sub(contrib, "contrib-id", f"https://orcid.org/{orcid}", contrib_id_type="orcid",
                      authenticated="false")
            w.sub(contrib, "string-name", review.reviewer_name)
        w.sub(contrib, "role", f"Reviewer {review.label_number}" if review.label_number else "Reviewer",
              specific_use="referee")
    _date(w, stub, "pub-date", review.published_at, publication_format="electronic", date_type="pub")
    self_uri = w.sub(stub, "self-uri")
    self_uri.set(f"{{{XLINK_NS}}}href", links.review(review))
    if article.doi:
        related = w.sub(stub, "related-article", related_article_type="peer-reviewed-article", ext_link_type="doi")
        related.set(f"{{{XLINK_NS}}}href", article.doi)
    meta = w.sub(stub, "custom-meta-group")
    for name, value in (("peer-review-stage", "pre-publication"), ("revision-round", str(review.round_number)),
                        ("label", review_label(review)),
                        ("recommendation", review.recommendation if review.kind is PublishedReviewKind.REFEREE_REPORT
                         else None)):
        if value:
            item = w.sub(meta, "custom-meta")
            w.sub(item, "meta-name", name)
            w.sub(item, "meta-value", value)
    abstract_into(w.sub(sub, "body"), review.body)


def _full_text(root, article: Article, version, links: Links) -> None:
    """The HTML full text, where the version has one, as `<body>` after the front matter and its references as a
    `<ref-list>` in the back matter."""
    full_text = version.full_text
    if full_text is None or not full_text.html:
        return
    body, references = jats_body(full_text.html, lambda name: links.figure(article, full_text.id, name))
    root.insert(1, body)
    if references is not None:
        back = root.find("back")
        if back is None:
            back = etree.SubElement(root, "back")
        back.append(references)


def _data_availability(w: "_Writer", root, version) -> None:
    """The statement and the links to datasets and software, in the back matter's data availability section."""
    section = w.sub(w.sub(root, "back"), "sec", sec_type="data-availability")
    w.sub(section, "title", "Data availability")
    if version.data_availability:
        w.sub(section, "p", version.data_availability)
    for link in version.data_links or []:
        paragraph = w.sub(section, "p", content_type=link.get("kind") or "other")
        if link.get("repository"):
            _append_text(paragraph, f"{link['repository']}: ")
        if link.get("doi"):
            ext = w.sub(paragraph, "ext-link", link["doi"], ext_link_type="doi")
            ext.set(f"{{{XLINK_NS}}}href", f"https://doi.org/{link['doi']}")
        else:
            ext = w.sub(paragraph, "ext-link", link["url"], ext_link_type="uri")
            ext.set(f"{{{XLINK_NS}}}href", link["url"])


def _aff(w: "_Writer", parent, aff_id: str, institution: str, country: str, **attrib) -> None:
    aff = w.sub(parent, "aff", **attrib)
    w.sub(aff, "label", aff_id.removeprefix("aff"))
    w.sub(aff, "institution", institution)
    if country:
        _append_text(aff, ", ")
        w.sub(aff, "country", _country_name(country), country=country)


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def front_xml(article: Article, links: Links | None = None) -> bytes:
    """The JATS document, with its DOCTYPE, as UTF-8 bytes."""
    root = front(article, links or Links())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", doctype=DOCTYPE, pretty_print=True)
