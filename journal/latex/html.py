"""The HTML full text of an article: from its LaTeX source with LaTeXML (in the sandbox), or from a JATS XML.

Both give a `FullText`: a sanitised HTML fragment (no <html>/<head>; the article page supplies the title, the
authors and the abstract, so those are left out), its table of contents, its figures, and the converter's log.

- Ids are prefixed `ft-` (they never meet the page's own ids) and internal links follow them.
- Figures: an image keeps its place only when its file came with the source; its `src` is written `fig/<name>`,
  which the page turns into the figure route's address (`journal/fulltext.py`). Anything else is dropped.
- Links: http, https and mailto, `doi:` made into https://doi.org/…, and links to the text's own ids.
- Sanitising: nh3 (Ammonia, the sanitiser journal/markup.py already uses) with an allowlist: HTML structure,
  tables, figures and MathML presentation elements, no script, style, event handler, frame, form or SVG.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nh3
from lxml import etree
from lxml import html as lxml_html

from journal.latex.sandbox import Limits, read_output, run
from journal.markup import MATH_TAGS

FIGURE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
                ".webp": "image/webp"}
MAX_FIGURE_BYTES = 10 * 2**20
MAX_FIGURES_BYTES = 50 * 2**20
MAX_HTML_BYTES = 2 * 2**20
_FIGURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")
ID_PREFIX = "ft-"

TEXT_TAGS = {"section", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "br", "em", "i", "strong", "b", "sup",
             "sub", "small", "code", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "cite", "figure",
             "figcaption", "img", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "nav", "hr"}
MATHML_TAGS = set(MATH_TAGS) | {"mstyle", "mpadded", "mphantom", "menclose", "mmultiscripts", "mprescripts", "none",
                                "mlabeledtr", "maligngroup", "malignmark", "ms", "merror"}
# annotation-xml is left out on purpose: with encoding="text/html" its content is parsed as HTML (a known way
# around sanitisers); `annotation` keeps only TeX.
# Kept for the stylesheet; every other class is dropped.
CLASSES = {"ltx_equation", "ltx_equationgroup", "ltx_eqn_table", "ltx_eqn_eqno", "ltx_tag", "ltx_tabular",
           "ltx_figure", "ltx_table", "ltx_bibliography", "ltx_biblist", "ltx_bibitem", "ltx_caption",
           "ltx_theorem", "ltx_proof", "ltx_title", "ltx_align_center", "ltx_align_right", "ltx_align_left",
           "equation", "references"}
_MATH_ATTRIBUTES = {"display", "mathvariant", "form", "fence", "separator", "stretchy", "largeop", "movablelimits",
                    "accent", "accentunder", "lspace", "rspace", "minsize", "maxsize", "linethickness",
                    "displaystyle", "scriptlevel", "rowspacing", "columnspacing", "rowlines", "columnlines",
                    "columnalign", "rowalign", "columnspan", "rowspan", "width", "height", "depth", "voffset",
                    "notation", "alttext", "encoding", "mathsize", "symmetric"}
_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    **{tag: set(_MATH_ATTRIBUTES) for tag in MATHML_TAGS},
}
_SAFE_VALUE = re.compile(r"[A-Za-z0-9 .,:;()+\-#%_/\\{}^=<>|'\[\]*!?~&$@]*")


@dataclass
class FullText:
    html: str
    toc: list[tuple[str, str, int]] = field(default_factory=list)
    figures: dict[str, bytes] = field(default_factory=dict)
    log: str = ""


class FullTextFailed(Exception):
    """The converter gave no usable text: `message` says why in plain English (a code the service words),
    `log` holds the converter's output."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.message = message
        self.log = log


# --- sanitising ---------------------------------------------------------------------------------------------------

def _attribute_filter(figures: set[str]):
    def keep(element: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            return value if re.fullmatch(r"[A-Za-z0-9._:-]{1,120}", value) else None
        if attribute == "href":
            if value.startswith("#"):
                return value if re.fullmatch(r"#[A-Za-z0-9._:-]{1,120}", value) else None
            return value if re.match(r"(?i)(https?://|mailto:)", value) else None
        if attribute == "src":
            return value if value.startswith("fig/") and value[4:] in figures else None
        if attribute in ("width", "height", "colspan", "rowspan", "start") and element in (
                "img", "td", "th", "ol"):
            return value if re.fullmatch(r"\d{1,4}", value) else None
        if attribute == "scope":
            return value if value in ("row", "col", "rowgroup", "colgroup") else None
        if attribute == "encoding":
            return value if value == "application/x-tex" else None
        if attribute == "dir":
            return value if value in ("ltr", "rtl", "auto") else None
        # MathML values and text attributes: short, no markup-significant characters beyond TeX's.
        return value if len(value) <= 2000 and _SAFE_VALUE.fullmatch(value) and "javascript" not in value.lower() \
            else None
    return keep


def sanitise(fragment: str, figures: set[str] | frozenset[str] = frozenset()) -> str:
    """The HTML as the article page may show it: only the allowlist survives (see the module's docstring)."""
    cleaner = nh3.Cleaner(
        tags=TEXT_TAGS | MATHML_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "svg", "template", "noscript",
                            "textarea", "select", "title", "head"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter(set(figures)),
        url_schemes={"http", "https", "mailto"},
        allowed_classes={tag: set(CLASSES) for tag in TEXT_TAGS},
        link_rel=None,
        strip_comments=True,
    )
    return cleaner.clean(fragment)


# --- shared tree work -----------------------------------------------------------------------------------------------

def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _prefix_ids(root) -> None:
    """Every id gets the `ft-` prefix, and the links to them follow; `doi:` links become https://doi.org/ links."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("id"):
            element.set("id", ID_PREFIX + element.get("id"))
        if element.get("class") is not None:
            kept = [name for name in element.get("class").split() if name in CLASSES]
            if kept:
                element.set("class", " ".join(kept))
            else:
                del element.attrib["class"]
        if element.get("title") == "":
            del element.attrib["title"]
        href = element.get("href")
        if href is not None:
            href = href.strip()
            if href.startswith("#") and len(href) > 1:
                element.set("href", "#" + ID_PREFIX + href[1:])
            elif href.lower().startswith("doi:"):
                element.set("href", "https://doi.org/" + href[4:].strip())
            else:
                # LaTeXML's AASTeX \doi writes "https:/doi.org/…" (one slash); browsers would read a path.
                element.set("href", re.sub(r"^(?i:(https?):)/(?=[^/])", r"\1://", href))


def _table_of_contents(root) -> list[tuple[str, str, int]]:
    entries = []
    for section in root.iter("section"):
        heading = next((child for child in section if _local(child.tag) in ("h2", "h3", "h4")), None)
        if heading is None or not section.get("id"):
            continue
        title = " ".join(heading.text_content().split())
        if title:
            entries.append((section.get("id"), title[:300], int(_local(heading.tag)[1]) - 1))
    return entries


def _finish(root, figures: dict[str, bytes], log: str) -> FullText:
    _prefix_ids(root)
    toc = _table_of_contents(root)
    fragment = "".join(lxml_html.tostring(child, encoding="unicode") for child in root)
    if len(fragment.encode()) > MAX_HTML_BYTES:
        raise FullTextFailed("too large", log)
    clean = sanitise(fragment, set(figures))
    if not clean.strip():
        raise FullTextFailed("empty", log)
    return FullText(clean, toc, figures, log)


def _figure_name(path: str, taken: dict[str, bytes]) -> str | None:
    name = Path(path).name
    suffix = Path(name).suffix.lower()
    if suffix not in FIGURE_TYPES:
        return None
    stem = re.sub(r"[^A-Za-z0-9._-]", "-", Path(name).stem)[:100] or "figure"
    candidate, n = f"{stem}{suffix}", 1
    while candidate in taken or not _FIGURE_NAME.fullmatch(candidate):
        n += 1
        candidate = f"figure-{n}{suffix}"
    return candidate


def _collect_figure(base: Path, src: str, figures: dict[str, bytes]) -> str | None:
    """The figure file `src` (relative to `base`, never outside it) into `figures`; its new name, or None."""
    if not src or re.match(r"(?i)[a-z][a-z0-9+.-]*:", src) or src.startswith("/"):
        return None
    path = (base / src).resolve()
    if not path.is_relative_to(base.resolve()) or not path.is_file() or path.is_symlink():
        return None
    size = path.stat().st_size
    if size > MAX_FIGURE_BYTES or sum(map(len, figures.values())) + size > MAX_FIGURES_BYTES:
        return None
    name = _figure_name(src, figures)
    if name is None:
        return None
    figures[name] = path.read_bytes()
    return name


# --- LaTeXML ------------------------------------------------------------------------------------------------------

# What LaTeXML (Perl, ImageMagick for the figures) reads beside /usr and the TeX trees, read-only; and our
# ImageMagick policy in place of Debian's, which refuses PDF and EPS figures (imagemagick-policy.xml says why).
LATEXML_READS = ("/etc/perl", "/etc/ImageMagick-6", "/etc/ghostscript")
LATEXML_FILES = {"/etc/ImageMagick-6/policy.xml": str(Path(__file__).with_name("imagemagick-policy.xml"))}
MAX_HTML_READ = 64 * 1024 ** 2  # LaTeXML's page before sanitising; the stored HTML is capped lower

def latexml_html(root: Path, main: str, limits: Limits = Limits()) -> FullText:
    """LaTeXML's HTML5 with MathML of the LaTeX source in `root` (main file `main`), run in the sandbox on a copy
    (the source folder is not changed)."""
    with tempfile.TemporaryDirectory(prefix="latexml-") as scratch:
        work = Path(scratch) / "work"
        shutil.copytree(root, work, symlinks=True, ignore=shutil.ignore_patterns(".*"))
        ran = run(["latexmlc", "--dest=html/index.html", "--format=html5", "--pmml", "--nodefaultresources",
                   "--nocomments", "--timeout=" + str(max(10, limits.wall_seconds - 5)), main], work, limits,
                  read_only=LATEXML_READS, files=LATEXML_FILES)
        log = (ran.stderr + ran.stdout)[-100_000:]
        out = work / "html" / "index.html"
        if ran.timed_out or ran.killed:
            raise FullTextFailed(f"limit: {ran.killed or 'wall time'}", log)
        page = read_output(work, "html/index.html", MAX_HTML_READ)  # never through a link the run made
        if page is None:
            raise FullTextFailed("no output", log)
        document = lxml_html.fromstring(page)
        article = next(iter(document.iter("article")), None)
        if article is None:
            raise FullTextFailed("no output", log)
        for unwanted in article.xpath(
                ".//*[contains(concat(' ', @class, ' '), ' ltx_title_document ') or "
                "contains(concat(' ', @class, ' '), ' ltx_authors ') or "
                "contains(concat(' ', @class, ' '), ' ltx_abstract ') or "
                "contains(concat(' ', @class, ' '), ' ltx_dates ') or "
                "contains(concat(' ', @class, ' '), ' ltx_keywords ') or "
                "contains(concat(' ', @class, ' '), ' ltx_pagination ') or self::footer]"):
            unwanted.drop_tree()
        figures: dict[str, bytes] = {}
        for image in article.iter("img"):
            name = _collect_figure(out.parent, image.get("src", ""), figures)
            if name is None:
                image.drop_tree()
            else:
                image.set("src", f"fig/{name}")
                if (image.get("alt") or "").startswith("Refer to"):
                    image.set("alt", "")  # LaTeXML's placeholder; the caption says what it is
        return _finish(article, figures, log)


# --- JATS ---------------------------------------------------------------------------------------------------------

XLINK = "{http://www.w3.org/1999/xlink}href"
_INLINE = {"italic": "em", "bold": "strong", "sup": "sup", "sub": "sub", "monospace": "code", "sc": "span",
           "underline": "span", "roman": "span", "sans-serif": "span", "named-content": "span", "styled-content":
           "span", "abbrev": "span", "string-name": "span", "surname": "span", "given-names": "span",
           "article-title": "span", "source": "em", "year": "span", "volume": "span", "fpage": "span",
           "lpage": "span", "person-group": "span", "etal": "span", "name": "span", "collab": "span",
           "publisher-name": "span", "publisher-loc": "span", "issue": "span", "label": "span", "edition": "span",
           "chapter-title": "span", "date-in-citation": "span", "elocation-id": "span", "comment": "span"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)


class _Jats:
    def __init__(self, figures: dict[str, bytes]):
        self.figures = figures

    def children(self, source, target) -> None:
        if source.text:
            _text(target, source.text)
        for child in source:
            self.node(child, target)
            if child.tail:
                _text(target, child.tail)

    def node(self, source, target) -> None:
        name = _local(source.tag)
        if not name:
            return
        if name == "sec":
            section = etree.SubElement(target, "section", _id(source))
            title = source.find("title")
            depth = min(6, 2 + sum(1 for a in source.iterancestors() if _local(a.tag) == "sec"))
            if title is not None:
                label = source.findtext("label")
                heading = etree.SubElement(section, f"h{depth}")
                if label:
                    _text(heading, label.strip() + " ")
                self.children(title, heading)
            for child in source:
                if _local(child.tag) not in ("title", "label"):
                    self.node(child, section)
        elif name == "p":
            self.children(source, etree.SubElement(target, "p", _id(source)))
        elif name in ("list",):
            kind = "ol" if source.get("list-type") in ("order", "arabic", "roman-lower", "alpha-lower") else "ul"
            lst = etree.SubElement(target, kind, _id(source))
            for item in source.iter("list-item"):
                self.children(item, etree.SubElement(lst, "li"))
        elif name == "fig":
            self.figure(source, target)
        elif name == "table-wrap":
            figure = etree.SubElement(target, "figure", {**_id(source), "class": "ltx_table"})
            self.caption(source, figure)
            for table in source.iter("table"):
                figure.append(_copy_table(table, self))
        elif name in ("disp-formula", "inline-formula"):
            self.formula(source, target, block=name == "disp-formula")
        elif name == "xref":
            link = etree.SubElement(target, "a", {"href": "#" + (source.get("rid") or "").split()[0]}
                                    if source.get("rid") else {})
            self.children(source, link)
        elif name in ("ext-link", "uri"):
            href = source.get(XLINK) or (source.text or "")
            if source.get("ext-link-type") == "doi" and not href.startswith("http"):
                href = "https://doi.org/" + href
            self.children(source, etree.SubElement(target, "a", {"href": href}))
        elif name == "pub-id" and source.get("pub-id-type") == "doi":
            doi = (source.text or "").strip()
            link = etree.SubElement(target, "a", {"href": "https://doi.org/" + doi})
            link.text = "https://doi.org/" + doi
        elif name == "disp-quote":
            self.children(source, etree.SubElement(target, "blockquote"))
        elif name in _INLINE:
            self.children(source, etree.SubElement(target, _INLINE[name]))
        elif name in ("graphic", "title", "caption", "alt-text", "object-id"):
            return
        else:
            self.children(source, target)

    def caption(self, source, figure) -> None:
        caption = etree.SubElement(figure, "figcaption")
        label = source.findtext("label")
        if label:
            tag = etree.SubElement(caption, "span", {"class": "ltx_tag"})
            tag.text = label.strip() + " "
        found = source.find("caption")
        if found is not None:
            for part in found:
                if _local(part.tag) in ("title", "p"):
                    self.children(part, etree.SubElement(caption, "span"))
                    _text(caption, " ")

    def figure(self, source, target) -> None:
        figure = etree.SubElement(target, "figure", {**_id(source), "class": "ltx_figure"})
        for graphic in source.iter("{*}graphic", "graphic"):
            href = graphic.get(XLINK) or ""
            name = next((n for n in self.figures if n == Path(href).name or Path(n).stem == Path(href).stem), None)
            if name is not None:
                etree.SubElement(figure, "img", {"src": f"fig/{name}", "alt": ""})
        self.caption(source, figure)

    def formula(self, source, target, *, block: bool) -> None:
        holder = etree.SubElement(target, "div" if block else "span", {**_id(source),
                                                                       **({"class": "equation"} if block else {})})
        math = next(iter(source.iter("{http://www.w3.org/1998/Math/MathML}math")), None)
        if math is not None:
            holder.append(_plain_math(math, block))
        else:
            tex = source.findtext("tex-math") or source.findtext("{*}tex-math")
            code = etree.SubElement(holder, "code")
            code.text = (tex or "").strip()
        label = source.findtext("label")
        if label:
            tag = etree.SubElement(holder, "span", {"class": "ltx_eqn_eqno"})
            tag.text = label


def _id(source) -> dict[str, str]:
    return {"id": source.get("id")} if source.get("id") else {}


def _text(target, text: str) -> None:
    if len(target):
        target[-1].tail = (target[-1].tail or "") + text
    else:
        target.text = (target.text or "") + text


def _plain_math(math, block: bool):
    """MathML without its namespace prefix, as HTML writes it."""
    copy = etree.Element(_local(math.tag), {k: v for k, v in math.attrib.items() if not k.startswith("{")})
    if block:
        copy.set("display", "block")
    copy.text, copy.tail = math.text, None
    for child in math:
        if isinstance(child.tag, str):
            copy.append(_plain_math_child(child))
    return copy


def _plain_math_child(element):
    copy = etree.Element(_local(element.tag), {k: v for k, v in element.attrib.items() if not k.startswith("{")})
    copy.text, copy.tail = element.text, element.tail
    for child in element:
        if isinstance(child.tag, str):
            copy.append(_plain_math_child(child))
    return copy


def _copy_table(table, jats: _Jats):
    copy = etree.Element("table")
    for row_group in table:
        name = _local(row_group.tag)
        if name in ("thead", "tbody", "tfoot"):
            group = etree.SubElement(copy, name)
            rows = list(row_group)
        elif name == "tr":
            group, rows = copy, [row_group]
        else:
            continue
        for row in rows:
            if _local(row.tag) != "tr":
                continue
            tr = etree.SubElement(group, "tr")
            for cell in row:
                if _local(cell.tag) in ("th", "td"):
                    attrs = {k: v for k, v in cell.attrib.items() if k in ("colspan", "rowspan")}
                    jats.children(cell, etree.SubElement(tr, _local(cell.tag), attrs))
    return copy


def _references(back, jats: _Jats, target) -> None:
    refs = back.find("ref-list") if back is not None else None
    if refs is None:
        return
    section = etree.SubElement(target, "section", {"id": refs.get("id") or "references", "class": "ltx_bibliography"})
    heading = etree.SubElement(section, "h2")
    heading.text = (refs.findtext("title") or "References").strip()
    listing = etree.SubElement(section, "ol", {"class": "ltx_biblist"})
    for ref in refs.iter("ref"):
        item = etree.SubElement(listing, "li", {**_id(ref), "class": "ltx_bibitem"})
        citation = next((c for c in ref if _local(c.tag) in ("mixed-citation", "element-citation", "citation")), None)
        if citation is None:
            continue
        jats.children(citation, item)
        if _local(citation.tag) == "element-citation":
            for element in item.iter():
                if element.tail is None and element is not item:
                    element.tail = " "


def jats_html(xml: bytes, figures: dict[str, bytes] | None = None) -> FullText:
    """The body and references of a JATS article as HTML (figures: the graphic files that came with it)."""
    try:
        document = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as error:
        raise FullTextFailed("not xml", str(error)) from None
    body = document.find("body")
    if _local(document.tag) != "article" or body is None:
        raise FullTextFailed("no body", "")
    figures = {name: data for name, data in (figures or {}).items()
               if _FIGURE_NAME.fullmatch(name) and Path(name).suffix.lower() in FIGURE_TYPES}
    jats = _Jats(figures)
    root = etree.Element("div")
    jats.children(body, root)
    _references(document.find("back"), jats, root)
    # lxml.html serialises only HTML elements it knows as such; a round trip makes the tree an HTML one.
    html_root = lxml_html.fragment_fromstring(etree.tostring(root, encoding="unicode", method="xml"))
    used = {image.get("src", "")[4:] for image in html_root.iter("img")}
    return _finish(html_root, {name: figures[name] for name in used if name in figures}, "")
