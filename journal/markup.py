"""Abstracts in Markdown with TeX math, rendered to safe HTML with MathML and no JavaScript.

- Markdown: markdown-it-py, CommonMark with tables, raw HTML off, images off, links only to
  http, https and mailto. The dollarmath plugin finds `$…$` (inline) and `$$…$$` (display).
- Math: latex2mathml builds a MathML tree on the server; browsers typeset MathML Core natively,
  so nothing runs in the reader's browser (the Content-Security-Policy allows no scripts).
  We serialise that tree ourselves: latex2mathml's own string output un-escapes text, so
  `\\text{</math><a href=…>}` would become real markup. Our serialiser escapes all text, keeps
  only the attributes MathML Core needs (values checked), and writes styled letters such as
  `\\mathbf{v}` as Unicode math letters, because Chromium ignores `mathvariant` on them.
- Sanitising: nh3 (Ammonia) with an explicit allowlist has the last word on the whole HTML.

A formula latex2mathml cannot read (or reads only by guessing, as `\\frac{a`) is shown as its
escaped source in `<code class="tex-error">` and listed by `math_errors()` for the author.
"""

import functools
import re
import unicodedata
from collections.abc import Callable
from html import escape
from xml.etree.ElementTree import Element

import nh3
from latex2mathml import commands as tex_commands
from latex2mathml.converter import convert_to_element
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar

# ---- TeX → MathML -------------------------------------------------------------------------

MAX_FORMULA_LENGTH = 2000  # characters of TeX in one formula; an abstract needs far fewer

# Macro definitions can expand without bound; links, styles, classes and ids do not belong in
# an abstract's formula (and \unicode writes character references we would have to trust).
_UNSUPPORTED = re.compile(
    r"\\(?:def|gdef|edef|xdef|let|newcommand|renewcommand|providecommand|DeclareMathOperator"
    r"|newenvironment|renewenvironment|href|url|style|class|cssId|require|unicode|html\w*)(?![A-Za-z])"
)
# Common LaTeX that latex2mathml lacks, written as what it does know.
_REWRITES = (
    (re.compile(r"\\(begin|end)\s*\{aligned\}"), r"\\\1{split}"),  # same layout: rl columns
    (re.compile(r"\\(begin|end)\s*\{(?:gathered|gather\*?)\}"), r"\\\1{matrix}"),
    (re.compile(r"\\begin\s*\{equation\*?\}"), "{"),
    (re.compile(r"\\end\s*\{equation\*?\}"), "}"),
    (re.compile(r"\\arg(?![A-Za-z])"), r"\\operatorname{arg}"),
    (re.compile(r"\\mathrm\s*\{\s*([A-Za-z])\s*\}"), r"{\\rm \1}"),  # else the d of dx comes out italic
)
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{([^}]*)\}")
_ENVIRONMENTS = frozenset(name[1:] for name in tex_commands.MATRICES)
_ESCAPE_OR_BRACE = re.compile(r"\\.|[{}]", re.DOTALL)
_CHAR_REF = re.compile(r"&#x([0-9A-Fa-f]{1,6});")
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]")
# Children a layout element must have; latex2mathml builds `\frac{a` as an mfrac with one.
_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "mroot": 2, "mover": 2, "munder": 2, "munderover": 3}


class _Unreadable(Exception):
    """latex2mathml's tree is not a formula we can show."""


def _one_of(*values: str) -> Callable[[str], bool]:
    return frozenset(values).__contains__


def _each(check: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda value: 0 < len(value.split()) <= 64 and all(check(v) for v in value.split())


_LENGTH = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(em|ex|px|pt|mu|%|width|height|depth)?")
_EM_PER_UNIT = {None: 1, "em": 1, "ex": 0.5, "mu": 1 / 18, "px": 1 / 16, "pt": 0.1, "%": 0.01,
                "width": 1, "height": 1, "depth": 1}
_NAMED_SPACES = {f"{sign}{size}mathspace" for sign in ("", "negative")
                 for size in ("verythin", "thin", "medium", "thick", "verythick")}


def _length(value: str) -> bool:
    """A length of at most 20 em either way: `\\hspace{9999em}` must not push the page apart."""
    if value in _NAMED_SPACES:
        return True
    match = _LENGTH.fullmatch(value.strip())
    return bool(match) and abs(float(match[1])) * _EM_PER_UNIT[match[2]] <= 20


_BOOLEAN = _one_of("true", "false")
_TEXT_VARIANTS = ("bold", "italic", "bold-italic", "monospace", "sans-serif")  # styled by site.css
_LINES = _each(_one_of("none", "solid", "dashed"))
# Every MathML element latex2mathml emits, with the attributes we keep and how to check them.
# Not kept: href/class/style/id (\href, \class, \style), mathcolor/mathbackground (\color:
# abstracts are in the site's colours), linebreak (not in MathML Core), xmlns (HTML needs none).
MATH_ATTRIBUTES: dict[str, dict[str, Callable[[str], bool]]] = {
    "math": {"display": _one_of("block", "inline")},
    "mrow": {},
    "mi": {"mathvariant": _one_of("normal")},
    "mn": {},
    "mo": {"form": _one_of("prefix", "infix", "postfix"), "fence": _BOOLEAN, "separator": _BOOLEAN,
           "stretchy": _BOOLEAN, "largeop": _BOOLEAN, "movablelimits": _BOOLEAN, "accent": _BOOLEAN,
           "lspace": _length, "rspace": _length, "minsize": _length, "maxsize": _length},
    "mtext": {"mathvariant": _one_of(*_TEXT_VARIANTS)},
    "mspace": {"width": _length, "height": _length, "depth": _length},
    "msub": {}, "msup": {}, "msubsup": {},
    "mfrac": {"linethickness": _length},
    "msqrt": {}, "mroot": {},
    "mover": {"accent": _BOOLEAN}, "munder": {}, "munderover": {},
    "mtable": {"displaystyle": _BOOLEAN, "rowspacing": _each(_length), "columnspacing": _each(_length),
               "rowlines": _LINES, "columnlines": _LINES},
    "mtr": {},
    "mtd": {"columnalign": _one_of("left", "center", "right")},
    "mstyle": {"displaystyle": _BOOLEAN, "scriptlevel": re.compile(r"[+-]?[0-2]").fullmatch,
               "mathsize": _length},
    "mpadded": {"width": _length, "height": _length, "depth": _length, "lspace": _length, "voffset": _length},
    "mphantom": {},
    "menclose": {"notation": _each(_one_of("box", "updiagonalstrike", "downdiagonalstrike", "horizontalstrike"))},
}
MATH_TAGS = frozenset(MATH_ATTRIBUTES) | {"semantics", "annotation"}

# Unicode names of the math alphabets (U+1D400…) → the mathvariant they stand for.
_ALPHABET_NAMES = {
    "BOLD": "bold", "ITALIC": "italic", "BOLD ITALIC": "bold-italic", "SCRIPT": "script",
    "BOLD SCRIPT": "bold-script", "FRAKTUR": "fraktur", "BOLD FRAKTUR": "bold-fraktur",
    "DOUBLE-STRUCK": "double-struck", "SANS-SERIF": "sans-serif", "SANS-SERIF BOLD": "bold-sans-serif",
    "SANS-SERIF ITALIC": "sans-serif-italic", "SANS-SERIF BOLD ITALIC": "sans-serif-bold-italic",
    "MONOSPACE": "monospace",
}
# The letters Unicode had before the math alphabets, left as holes in them.
_LETTERLIKE = {
    "script": dict(zip("BEFHILMRego", "ℬℰℱℋℐℒℳℛℯℊℴ")),
    "fraktur": dict(zip("CHIRZ", "ℭℌℑℜℨ")),
    "double-struck": dict(zip("CHNPQRZ", "ℂℍℕℙℚℝℤ")),
    "italic": {"h": "ℎ"},
}


def _plain_character(name: str) -> str | None:
    """'CAPITAL A' → 'A', 'SMALL ALPHA' → 'α', 'DIGIT ONE' → '1', 'NABLA' → '∇'."""
    kind, _, letter = name.partition(" ")
    candidates = [name, f"GREEK {name}"]
    if kind in ("CAPITAL", "SMALL"):
        latin, greek = f"LATIN {kind} LETTER {letter}", f"GREEK {kind} LETTER {letter}"
        candidates[:0] = [latin, greek] if len(letter) == 1 else [greek, latin]
    for candidate in candidates:
        try:
            return unicodedata.lookup(candidate)
        except KeyError:
            continue
    return None


@functools.cache
def _alphabets() -> dict[str, dict[str, str]]:
    alphabets: dict[str, dict[str, str]] = {variant: {} for variant in _ALPHABET_NAMES.values()}
    for code in range(0x1D400, 0x1D800):
        name = unicodedata.name(chr(code), "").removeprefix("MATHEMATICAL ")
        for prefix in sorted(_ALPHABET_NAMES, key=len, reverse=True):
            if name.startswith(prefix + " "):
                plain = _plain_character(name[len(prefix) + 1:])
                if plain:
                    alphabets[_ALPHABET_NAMES[prefix]].setdefault(plain, chr(code))
                break
    for variant, letters in _LETTERLIKE.items():
        alphabets[variant].update(letters)
    return alphabets


def _styled(text: str, variant: str) -> str:
    alphabet = _alphabets().get(variant, {})
    return "".join(alphabet.get(char, char) for char in text)


def _decode(text: str) -> str:
    """latex2mathml writes characters as `&#x…;` inside its text; make them characters again."""
    def character(match: re.Match) -> str:
        code = int(match[1], 16)
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise _Unreadable(match[0])
        return chr(code)
    return _CHAR_REF.sub(character, text) if "&#x" in text else text


def _serialise(element: Element, out: list[str]) -> None:
    tag = element.tag
    if tag not in MATH_ATTRIBUTES or tag == "math":
        raise _Unreadable(tag)
    if tag in _ARITY and len(element) != _ARITY[tag]:
        raise _Unreadable(tag)
    # Token elements hold text only: in HTML their children would be parsed as HTML, not MathML.
    token = tag in ("mi", "mn", "mo", "mtext")
    raw = "".join(element.itertext()) if token else element.text or ""
    if tag != "mtext" and (_UNKNOWN_COMMAND.match(raw) or raw == "&"):  # unknown command; & outside a table
        raise _Unreadable(raw)
    text = _decode(raw)
    variant = element.get("mathvariant")
    if tag != "mtext" and variant and variant != "normal":
        text = _styled(text, variant)
    allowed = MATH_ATTRIBUTES[tag]
    attributes = "".join(
        f' {name}="{escape(value)}"' for name, value in element.attrib.items()
        if name in allowed and allowed[name](value)
    )
    out.append(f"<{tag}{attributes}>{escape(text, quote=False)}")
    for child in () if token else element:
        _serialise(child, out)
    out.append(f"</{tag}>")
    if element.tail:
        out.append(escape(_decode(element.tail), quote=False))


def _braces_balance(tex: str) -> bool:
    depth = 0
    for token in _ESCAPE_OR_BRACE.findall(tex):
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0


@functools.lru_cache(maxsize=4096)
def formula_to_mathml(tex: str, display: bool) -> str | None:
    """MathML for one TeX formula, or None when it cannot be read."""
    source = tex.strip()
    if not source or len(source) > MAX_FORMULA_LENGTH or _UNSUPPORTED.search(source):
        return None
    if "\\" in source:
        for pattern, replacement in _REWRITES:
            source = pattern.sub(replacement, source)
    if not _braces_balance(source) or any(name not in _ENVIRONMENTS for name in _ENVIRONMENT.findall(source)):
        return None
    mode = "block" if display else "inline"
    try:
        tree = convert_to_element(source, display=mode)
        out = [f'<math display="{mode}"><semantics>']
        for child in tree:
            _serialise(child, out)
    except Exception:  # latex2mathml raises many kinds (and RecursionError); all mean "cannot read"
        return None
    out.append(f'<annotation encoding="application/x-tex">{escape(tex.strip(), quote=False)}</annotation>')
    out.append("</semantics></math>")
    return "".join(out)


# ---- Markdown ------------------------------------------------------------------------------

_LINK_SCHEMES = re.compile(r"(?:https?|mailto):", re.IGNORECASE)


def _inline_dollar_rule():
    """Pandoc's rule, which leaves prices alone: no space inside the dollars, no digit after.

    `$5 and $10` and `$5-$10` stay text. The plugin's own allow_digits=False would also refuse
    `$x$` at the start of a paragraph that ends in a digit (it looks at the character before
    position 0, which Python reads as the last one), so we check the closing digit here.
    """
    find = math_inline_dollar(allow_space=False, allow_digits=True, allow_double=True)

    def rule(state, silent: bool) -> bool:
        start = state.pos
        if not find(state, True):
            return False
        end, state.pos = state.pos, start
        if end < len(state.src) and state.src[end].isdigit():
            return False
        if silent:
            state.pos = end
            return True
        return find(state, False)

    return rule


def _formula(tex: str, display: bool, env: dict, delimiter: str) -> str:
    mathml = formula_to_mathml(tex, display)
    if mathml is None:
        env.setdefault("math_errors", []).append(tex.strip())
        return f'<code class="tex-error">{escape(delimiter + tex.strip() + delimiter, quote=False)}</code>'
    return mathml


def _render_math_inline(self, tokens, idx, options, env) -> str:
    return _formula(tokens[idx].content, False, env, "$")


def _render_math_inline_double(self, tokens, idx, options, env) -> str:
    return _formula(tokens[idx].content, True, env, "$$")


def _render_math_block(self, tokens, idx, options, env) -> str:
    html = _formula(tokens[idx].content, True, env, "$$")
    if html.startswith("<code"):
        return f"<p>{html}</p>\n"
    return f'<div class="math-display">{html}</div>\n'


def _heading_tag(tag: str) -> str:
    # An abstract sits under the page's own h1 and h2: its headings start at h3.
    return f"h{min(6, int(tag[1]) + 2)}"


def _render_heading_open(self, tokens, idx, options, env) -> str:
    return f"<{_heading_tag(tokens[idx].tag)}>"


def _render_heading_close(self, tokens, idx, options, env) -> str:
    return f"</{_heading_tag(tokens[idx].tag)}>\n"


def _render_cell_open(self, tokens, idx, options, env) -> str:
    # markdown-it aligns cells with style="text-align:…", which the CSP would block; use a class.
    token = tokens[idx]
    align = (token.attrGet("style") or "").removeprefix("text-align:")
    css_class = f' class="md-align-{align}"' if align in ("left", "center", "right") else ""
    return f"<{token.tag}{css_class}>"


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable("image")  # an abstract loads nothing from elsewhere
    md.validateLink = lambda url: bool(_LINK_SCHEMES.match(url.strip()))  # anything else stays text
    # No labels (they would write ids into the page); no blank lines inside $$ (as in TeX), so an
    # unclosed $$ cannot swallow the rest of the abstract; $$…$$ inside a paragraph is display math.
    dollarmath_plugin(md, allow_labels=False, allow_space=False, allow_digits=True,
                      allow_blank_lines=False, double_inline=True)
    md.inline.ruler.at("math_inline", _inline_dollar_rule())
    md.add_render_rule("math_inline", _render_math_inline)
    md.add_render_rule("math_inline_double", _render_math_inline_double)
    md.add_render_rule("math_block", _render_math_block)
    md.add_render_rule("heading_open", _render_heading_open)
    md.add_render_rule("heading_close", _render_heading_close)
    md.add_render_rule("th_open", _render_cell_open)
    md.add_render_rule("td_open", _render_cell_open)
    return md


# The one parser of the site; JATS (journal/jats.py) converts the abstract with it too.
MARKDOWN = _markdown()

# ---- Sanitising ----------------------------------------------------------------------------

TEXT_TAGS = frozenset({"p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a",
                       "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "div"})
_ENUMERATED = {"math", "mi", "mtext"}  # their attributes go to nh3 as a set of allowed values
_CLEANER = nh3.Cleaner(
    tags=set(TEXT_TAGS | MATH_TAGS),
    clean_content_tags={"script", "style"},
    attributes={
        "a": {"href", "title"},
        "ol": {"start"},
        **{tag: set(attributes) for tag, attributes in MATH_ATTRIBUTES.items() if tag not in _ENUMERATED},
    },
    tag_attribute_values={
        "math": {"display": {"block", "inline"}},
        "mi": {"mathvariant": {"normal"}},
        "mtext": {"mathvariant": set(_TEXT_VARIANTS)},
        "annotation": {"encoding": {"application/x-tex"}},
    },
    allowed_classes={
        "code": {"tex-error"},
        "div": {"math-display"},
        "th": {"md-align-left", "md-align-center", "md-align-right"},
        "td": {"md-align-left", "md-align-center", "md-align-right"},
    },
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="nofollow noopener noreferrer",
    strip_comments=True,
)


@functools.lru_cache(maxsize=256)
def _render(text: str) -> tuple[str, tuple[str, ...]]:
    env: dict = {}
    html = _CLEANER.clean(MARKDOWN.render(text, env))
    return html, tuple(dict.fromkeys(env.get("math_errors", ())))


# ---- API -----------------------------------------------------------------------------------

def render_markdown(text: str | None) -> Markup:
    """Safe HTML for a template: Markdown with formulas as MathML, sanitised."""
    if not text:
        return Markup("")
    return Markup(_render(text)[0])  # noqa: S704 - sanitised by nh3 in _render


def math_errors(text: str | None) -> list[str]:
    """The TeX of each formula that could not be read, once each, for a warning to the author."""
    return list(_render(text)[1]) if text else []


def plain_text(text: str | None) -> str:
    """The abstract without markup (formulas kept as TeX), for meta descriptions and mails."""
    blocks: list[str] = []
    marker = ""  # "- " or "3. " before the first paragraph of a list item
    row: list[str] | None = None
    for token in MARKDOWN.parse(text or ""):
        if token.type == "list_item_open":
            marker = f"{token.info}{token.markup} " if token.info else "- "
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            blocks.append(" | ".join(row))
            row = None
        elif token.type == "inline":
            line = _inline_text(token.children or []).strip()
            if row is not None:
                row.append(line)
            else:
                blocks.append(marker + line)
                marker = ""
        elif token.type == "math_block":
            blocks.append(f"{marker}$${token.content.strip()}$$")
            marker = ""
        elif token.type in ("code_block", "fence"):
            blocks.append(token.content.rstrip("\n"))
    return "\n\n".join(block for block in blocks if block.strip())


# ---- TeX as readable text (search snippets) ------------------------------------------------------------------

_DOLLARS = re.compile(r"\$\$(.+?)\$\$|\$(?![\s\d])([^$]+?)(?<!\s)\$(?!\d)", re.DOTALL)  # Pandoc's rule
_TEXT_COMMANDS = "emph|textit|textbf|textsf|texttt|textrm|text|mathrm|mathit|mathbf|underline"
# A snippet may start inside a command, after its backslash (PostgreSQL's ts_headline starts at a word).
_TEXT_COMMAND = re.compile(rf"(?:\\|^)(?:{_TEXT_COMMANDS})\s*\{{([^{{}}]*)\}}")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_TAG = re.compile(r"<annotation[^>]*>.*?</annotation>|<[^>]+>", re.DOTALL)


def _formula_text(tex: str, keep: str = "") -> str:
    """A formula as the characters its MathML shows (`\\alpha^2` → α2), else its TeX without backslashes."""
    source = "".join(c for c in tex if c not in keep)
    mathml = formula_to_mathml(source, False)
    if mathml is None:
        return _COMMAND.sub(lambda m: _command_text(m[1]), source)
    return _decode(_TAG.sub("", mathml)).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@functools.lru_cache(maxsize=1024)
def _command_text(name: str) -> str:
    mathml = formula_to_mathml(f"\\{name}", False)
    text = _decode(_TAG.sub("", mathml)) if mathml else ""
    return text if text and text != name else name


def readable_tex(text: str, keep: str = "") -> str:
    """Text with its TeX made readable, for places that show plain text, such as a search snippet: formulas as
    their characters ($\\alpha$ → α), `\\emph{word}` as the word, a formula cut by the snippet's end without its
    backslashes. Characters in `keep` (a snippet's highlight markers) stay outside formulas and are
    dropped inside them."""
    if not text or not any(c in text for c in "$\\{"):
        return text
    text = _TEXT_COMMAND.sub(r"\1", text)
    text = _DOLLARS.sub(lambda m: _formula_text(m[1] or m[2], keep), text)
    return _COMMAND.sub(lambda m: _command_text(m[1]), text).replace("{", "").replace("}", "")


def _inline_text(children) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(f"${child.content}$")
        elif child.type == "math_inline_double":
            parts.append(f"$${child.content}$$")
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "".join(parts)


def init_app(app) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain_text"] = plain_text
    app.jinja_env.globals["math_errors"] = math_errors
