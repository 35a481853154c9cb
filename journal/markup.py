"""Abstracts in Markdown with TeX math, rendered safely.

Markdown by markdown-it-py (CommonMark, raw HTML off) with the dollarmath plugin; each formula
becomes MathML on the server (latex2mathml), which browsers render natively, so no JavaScript
renderer is needed under the Content-Security-Policy; the result is sanitised by nh3 (Ammonia)
with an explicit allowlist of text and MathML elements.
"""

import functools
import html
import re

import nh3
from latex2mathml.converter import convert as tex_to_mathml
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin

TEXT_TAGS = {"p", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "sub",
             "sup", "br", "hr", "table", "thead", "tbody", "tr", "th", "td", "span", "div"}
MATH_TAGS = {"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt",
             "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom",
             "menclose", "semantics", "annotation"}
MATH_ATTRIBUTES = {"display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
                   "columnalign", "displaystyle", "scriptlevel", "accent", "accentunder", "movablelimits",
                   "linethickness", "width", "height", "depth", "notation", "encoding", "minsize", "maxsize",
                   "symmetric", "largeop", "form", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "div": {"class"},
    "th": {"align"},
    "td": {"align"},
    **{tag: MATH_ATTRIBUTES for tag in MATH_TAGS},
}


class _Renderer:
    def __init__(self):
        self.errors: list[str] = []
        # Prices such as "$5 and $10" stay text: a formula may not start with a digit-only opening.
        self.md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}) \
            .use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True) \
            .enable("table")
        # markdown-it binds rules to its renderer, so they reach this object through the closure.
        rules = {"math_inline": self._inline, "math_block": self._block, "math_inline_double": self._block,
                 "heading_open": self._heading_open, "heading_close": self._heading_close}
        for name, method in rules.items():
            self.md.add_render_rule(name, lambda _renderer, tokens, idx, options, env, m=method: m(tokens, idx))

    def _math(self, tex: str, display: str) -> str:
        try:
            return tex_to_mathml(tex, display=display)
        except Exception:  # latex2mathml raises many kinds; any of them means "could not read"
            self.errors.append(tex)
            return f'<code class="tex-error">{html.escape("$" + tex + "$")}</code>'

    def _inline(self, tokens, idx):
        return self._math(tokens[idx].content, "inline")

    def _block(self, tokens, idx):
        return f'<div class="math-display">{self._math(tokens[idx].content.strip(), "block")}</div>\n'

    @staticmethod
    def _level(tag: str) -> str:
        # An abstract sits under the page's own headings: its headings start at h3.
        return f"h{min(6, int(tag[1]) + 2)}"

    def _heading_open(self, tokens, idx):
        return f"<{self._level(tokens[idx].tag)}>"

    def _heading_close(self, tokens, idx):
        return f"</{self._level(tokens[idx].tag)}>\n"


def _render(text: str) -> tuple[str, list[str]]:
    renderer = _Renderer()
    raw = renderer.md.render(text or "")
    clean = nh3.clean(
        raw, tags=TEXT_TAGS | MATH_TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer", strip_comments=True,
    )
    return clean, renderer.errors


@functools.lru_cache(maxsize=512)
def _cached(text: str) -> tuple[str, tuple[str, ...]]:
    clean, errors = _render(text)
    return clean, tuple(errors)


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for a template."""
    return Markup(_cached(text or "")[0])  # noqa: S704 - sanitised by nh3 above


def math_errors(text: str | None) -> list[str]:
    """The formulas that could not be read, to tell the author."""
    return list(_cached(text or "")[1])


def plain_text(text: str | None) -> str:
    """The text without Markdown markup (formulas kept as TeX), for meta descriptions and mails."""
    tokens = MarkdownIt("commonmark", {"html": False}).use(dollarmath_plugin).parse(text or "")
    parts = []
    for token in tokens:
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("math_inline", "math_inline_double"):
                    parts.append(f"${child.content}$")
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            parts.append("\n")
        elif token.type == "math_block":
            parts.append(f"$${token.content.strip()}$$\n")
    return re.sub(r"[ \t]+", " ", "".join(parts)).strip()


def init_app(app) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain_text"] = plain_text
    app.jinja_env.globals["math_errors"] = math_errors
