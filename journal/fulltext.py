"""The stored HTML full text (journal/models/full_texts.py) as the pages and the JATS show it.

The stored fragment is already sanitised (journal/latex/html.py); its images point at `fig/<name>`, which becomes
the address of the figure's route here: the public one on the article page, production's in the preview.
JATS gets the same text as `<body>` (sections, paragraphs, figures, tables, formulas in MathML) and the
references as a `<ref-list>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup

_FIGURE_SRC = re.compile(r'src="fig/([A-Za-z0-9][A-Za-z0-9._-]{0,127})"')
XLINK_NS = "http://www.w3.org/1999/xlink"
MML_NS = "http://www.w3.org/1998/Math/MathML"


def page_html(html: str, figure_url: Callable[[str], str]) -> Markup:
    """The fragment with each figure's address filled in (the names were checked when it was stored)."""
    return Markup(_FIGURE_SRC.sub(lambda m: f'src="{Markup.escape(figure_url(m.group(1)))}"', html))


# --- JATS ---------------------------------------------------------------------------------------------------------

_INLINE = {"em": "italic", "i": "italic", "strong": "bold", "b": "bold", "sup": "sup", "sub": "sub",
           "code": "monospace", "small": "sc"}
_BLOCKS = {"p", "div", "figure", "table", "ul", "ol", "section", "blockquote", "pre", "dl"}


def _local(tag) -> str:
    return tag if isinstance(tag, str) else ""


def _jats_id(value: str | None) -> str | None:
    """An XML ID (NCName) from the HTML id: dots are fine, a leading letter is ensured by the `ft-` prefix."""
    if not value:
        return None
    clean = re.sub(r"[^A-Za-z0-9._-]", "-", value)
    return clean if re.match(r"[A-Za-z_]", clean) else f"id-{clean}"


class _Body:
    def __init__(self, figure_url: Callable[[str], str]):
        self.figure_url = figure_url
        self.ids: set[str] = set()

    def id_of(self, element) -> dict[str, str]:
        value = _jats_id(element.get("id"))
        if value is None or value in self.ids:
            return {}
        self.ids.add(value)
        return {"id": value}

    # Inline content of a paragraph, a title, a caption, a cell: text, styles, links, inline formulas.
    def inline(self, source, target) -> None:
        _add_text(target, source.text)
        for child in source:
            self.inline_node(child, target)
            _add_text(target, child.tail)

    def inline_node(self, child, target) -> None:
        tag = _local(child.tag)
        if tag in _INLINE:
            self.inline(child, etree.SubElement(target, _INLINE[tag]))
        elif tag == "a":
            href = child.get("href") or ""
            if href.startswith("#"):
                self.inline(child, target)  # the anchor's words; the cross-reference is the reader's page's
            elif href:
                link = etree.SubElement(target, "ext-link", {"ext-link-type": "uri", f"{{{XLINK_NS}}}href": href})
                self.inline(child, link)
            else:
                self.inline(child, target)
        elif tag == "math":
            formula = etree.SubElement(target, "inline-formula")
            formula.append(_mathml(child))
        elif tag == "br":
            _add_text(target, " ")
        elif tag in ("img", "figure", "table"):
            return
        else:
            self.inline(child, target)

    def block(self, source, target) -> None:
        """Block content (of a section, a list item …): paragraphs, figures, tables, lists, display formulas."""
        loose = None  # a paragraph gathering inline content found among blocks
        if (source.text or "").strip():
            loose = etree.SubElement(target, "p")
            _add_text(loose, source.text)
        for child in source:
            tag = _local(child.tag)
            if tag in ("h2", "h3", "h4", "h5", "h6"):
                pass
            elif tag == "section":
                self.section(child, target)
                loose = None
            elif tag == "p":
                if _has_block_math(child):
                    self.block(child, target)
                else:
                    self.inline(child, etree.SubElement(target, "p", self.id_of(child)))
                loose = None
            elif tag == "figure":
                self.figure(child, target)
                loose = None
            elif tag == "table":
                if "ltx_equation" in (child.get("class") or "") or child.find(".//math[@display='block']") is not None:
                    for math in child.iter("math"):
                        formula = etree.SubElement(target, "disp-formula", self.id_of(child))
                        formula.append(_mathml(math))
                else:
                    wrap = etree.SubElement(target, "table-wrap", self.id_of(child))
                    wrap.append(self.table(child))
                loose = None
            elif tag == "math" and child.get("display") == "block":
                etree.SubElement(target, "disp-formula", self.id_of(child)).append(_mathml(child))
                loose = None
            elif tag in ("ul", "ol"):
                listing = etree.SubElement(target, "list", {"list-type": "order" if tag == "ol" else "bullet"})
                for item in child:
                    if _local(item.tag) == "li":
                        self.block(item, etree.SubElement(listing, "list-item"))
                loose = None
            elif tag in ("div", "blockquote", "span") and any(_local(c.tag) in _BLOCKS for c in child):
                self.block(child, target)
                loose = None
            elif tag == "div":
                self.block(child, target)
                loose = None
            else:
                if loose is None:
                    loose = etree.SubElement(target, "p")
                self.inline_node(child, loose)
            if (child.tail or "").strip():
                if loose is None:
                    loose = etree.SubElement(target, "p")
                _add_text(loose, child.tail)
        _fill_empty(target)

    def section(self, source, target) -> None:
        section = etree.SubElement(target, "sec", self.id_of(source))
        heading = next((c for c in source if _local(c.tag) in ("h2", "h3", "h4", "h5", "h6")), None)
        title = etree.SubElement(section, "title")
        if heading is not None:
            self.inline(heading, title)
            _strip(title)
        self.block(source, section)

    def caption(self, source, target) -> None:
        caption = source.find("figcaption")
        if caption is not None:
            paragraph = etree.SubElement(etree.SubElement(target, "caption"), "p")
            self.inline(caption, paragraph)

    def figure(self, source, target) -> None:
        table = source.find(".//table")
        if table is not None and source.find(".//img") is None:
            wrap = etree.SubElement(target, "table-wrap", self.id_of(source))
            self.caption(source, wrap)
            wrap.append(self.table(table))
            return
        fig = etree.SubElement(target, "fig", self.id_of(source))
        self.caption(source, fig)
        for image in source.iter("img"):
            name = (image.get("src") or "").removeprefix("fig/")
            if name:
                etree.SubElement(fig, "graphic", {f"{{{XLINK_NS}}}href": self.figure_url(name)})

    def table(self, source):
        table = etree.Element("table")
        rows = [(_local(group.tag), group) for group in source if _local(group.tag) in ("thead", "tbody", "tfoot")]
        groups = rows or [("tbody", source)]
        for name, group in groups:
            out = etree.SubElement(table, name)
            for row in group.iter("tr"):
                tr = etree.SubElement(out, "tr")
                for cell in row:
                    if _local(cell.tag) in ("th", "td"):
                        attrs = {k: v for k, v in cell.attrib.items() if k in ("colspan", "rowspan")}
                        self.inline(cell, etree.SubElement(tr, _local(cell.tag), attrs))
            if not len(out):
                table.remove(out)
        return table


def _strip(element) -> None:
    """No leading or trailing white space in a title (LaTeXML writes its headings over several lines)."""
    element.text = (element.text or "").lstrip() or None
    if len(element):
        element[-1].tail = (element[-1].tail or "").rstrip() or None
    elif element.text:
        element.text = element.text.rstrip()


def _has_block_math(element) -> bool:
    return element.find(".//math[@display='block']") is not None


def _fill_empty(target) -> None:
    """A section must hold something after its title; a list item a paragraph."""
    if target.tag == "list-item" and not len(target):
        etree.SubElement(target, "p")


def _add_text(target, text: str | None) -> None:
    if not text:
        return
    text = text.translate(_CONTROL)
    if len(target):
        target[-1].tail = (target[-1].tail or "") + text
    else:
        target.text = (target.text or "") + text


_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)])


def _mathml(math):
    """The HTML <math> as mml:math in the MathML namespace."""
    copy = etree.Element(f"{{{MML_NS}}}{math.tag}", {k: v for k, v in math.attrib.items()
                                                      if k in ("display", "alttext", "mathvariant", "stretchy",
                                                               "fence", "separator", "accent", "form")},
                         nsmap={"mml": MML_NS})
    copy.text = math.text
    for child in math:
        if isinstance(child.tag, str):
            sub = _mathml(child)
            sub.tail = child.tail
            copy.append(sub)
    return copy


def jats_body(html: str, figure_url: Callable[[str], str]):
    """(`<body>`, `<ref-list>` or None) of the stored fragment."""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    writer = _Body(figure_url)
    body = etree.Element("body")
    references = None
    for section in root.findall("section"):
        if "ltx_bibliography" in (section.get("class") or ""):
            references = section
            root.remove(section)
    writer.block(root, body)
    ref_list = None
    if references is not None:
        ref_list = etree.Element("ref-list")
        heading = next((c for c in references if _local(c.tag) in ("h2", "h3")), None)
        etree.SubElement(ref_list, "title").text = heading.text_content().strip() if heading is not None else \
            "References"
        for n, item in enumerate(references.iter("li"), start=1):
            ref = etree.SubElement(ref_list, "ref", writer.id_of(item) or {"id": f"ref-{n}"})
            writer.inline(item, etree.SubElement(ref, "mixed-citation"))
    return body, ref_list
