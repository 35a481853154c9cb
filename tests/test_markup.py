"""Abstracts: Markdown with TeX math, rendered to sanitised HTML with MathML (journal/markup.py)."""

import time
from html.parser import HTMLParser

import pytest
from flask import Flask, render_template_string

from journal.markup import (
    MATH_ATTRIBUTES,
    MATH_TAGS,
    MAX_FORMULA_LENGTH,
    TEXT_TAGS,
    formula_to_mathml,
    init_app,
    math_errors,
    plain_text,
    render_markdown,
)


class _Tags(HTMLParser):
    """Every start tag of a piece of HTML with its attributes, as a browser would read them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def tags_of(text: str) -> _Tags:
    return _Tags(str(render_markdown(text)))


# A broad sample of what authors write, for the allowlist checks.
FORMULAS = [
    r"E = mc^2", r"x_i^2", r"\frac{a}{b}", r"\dfrac{1}{2} + \tfrac{1}{2}", r"\binom{n}{k}", r"\sqrt[3]{x} + \sqrt{y}",
    r"\sum_{i=1}^{n} i", r"\int_0^1 f(x)\,dx", r"\oint_C \mathbf{F}\cdot d\mathbf{r}",
    r"\lim_{x \to 0} \frac{\sin x}{x}",
    r"\left( \frac{a}{b} \right)", r"\left\{ x \middle| x > 0 \right\}", r"\bigl( x \bigr) \Bigg[ y \Bigg]",
    r"\alpha \beta \Gamma \varepsilon \hbar \nabla \partial \infty",
    r"\hat{x} \bar{x} \tilde{x} \vec{v} \dot{x} \ddot{x}",
    r"\overline{AB} \underline{AB} \overrightarrow{AB}", r"\overbrace{a+b}^{n} \underbrace{a+b}_{n}",
    r"\overset{!}{=} \underset{x}{\operatorname{arg\,min}} \stackrel{def}{=}",
    r"\mathbb{R} \mathcal{L} \mathfrak{g} \mathrm{d}x \mathbf{v} \mathit{ab} \mathsf{T} \mathtt{c} \boldsymbol{\alpha}",
    r"\text{if } x > 0 \textbf{ bold} \textit{ it} \texttt{ tt} \textsf{ sf}", r"\operatorname{sgn}(x)",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}",
    r"\begin{vmatrix} a & b \\ c & d \end{vmatrix}", r"\begin{smallmatrix} a & b \end{smallmatrix}",
    r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}",
    r"\begin{array}{l|cr} a & b & c \\ \hline d & e & f \end{array}",
    r"\begin{aligned} a &= b \\ c &= d \end{aligned}", r"\begin{align} a &= b \end{align}",
    r"\begin{gathered} a \\ b \end{gathered}",
    r"a \, b \: c \; d \quad e \qquad f \! g \ h ~ i", r"\hspace{1em} \kern 2pt \mkern 3mu",
    r"\phantom{x} \hphantom{x} \vphantom{x}", r"\boxed{x} \cancel{x} \bcancel{x} \xcancel{x} \sout{x}",
    r"\llap{x} \rlap{x} \clap{x}", r"\displaystyle \sum \textstyle \sum \scriptstyle x", r"\small a \large b \Huge c",
    r"\mathbin{+} \mathrel{=} \mathopen{(} \mathclose{)} \mathpunct{,} \mathop{\mathrm{argmin}}_x",
    r"\xrightarrow{f} \xleftarrow[g]{f}",
    r"\leq \neq \approx \subset \in \cup \forall \exists \to \Rightarrow \pm \times",
    r"\langle x \rangle \lfloor x \rfloor \| x \| \lvert x \rvert", r"\sin \cos \log \ln \exp \det \max \arg",
    r"a \bmod b \pmod{n}", r"f'(x) f''(x)", r"\not= \not\in", r"90^\circ", r"\LaTeX \TeX", r"\smash{x}",
    r"{a \over b} {a \atop b} {a \choose b}", r"\bra{a} \ket{b}", r"\tag{1} x = y", r"\color{red}{x} \colorbox{red}{y}",
    r"\rule{1em}{2em} \raise{1em}{x} \lower{1em}{x}", r"\% \$ \# \& \_", r"\Delta v = v_e \ln \frac{m_0}{m_f}",
    r"1.5 \times 10^{-3}\,\mathrm{km\,s^{-1}}", r"\langle \psi | \hat{H} | \phi \rangle",
]


def test_inline_and_display_math_become_mathml_with_the_right_display():
    html = str(render_markdown("Drift $v = E \\times B$ here.\n\n$$\\int_0^1 f(x)\\,dx$$\n\nAnd $$a^2$$ in a line."))
    found = _Tags(html)
    assert [m["display"] for m in found.named("math")] == ["inline", "block", "block"]
    assert '<div class="math-display"><math display="block">' in html  # own line: a scrolling block
    assert "<msubsup>" in html and "<mo>×</mo>" in html
    assert '<annotation encoding="application/x-tex">v = E \\times B</annotation>' in html
    assert "$" not in html


@pytest.mark.parametrize("prices", [
    "Tickets cost $5 and $10.",
    "Between $5-$10 per kilogram.",
    "US$5,000 and US$3,000 were spent.",
    "It costs $5 per kg and $3 per litre.",
    "Escaped \\$x\\$ stays text.",
])
def test_prices_and_escaped_dollars_stay_text(prices):
    html = str(render_markdown(prices))
    assert "<math" not in html and "tex-error" not in html
    assert math_errors(prices) == []


def test_a_formula_opening_a_paragraph_that_ends_in_a_digit_is_still_math():
    # mdit-py-plugins' allow_digits=False would refuse this (it reads the last character as the one
    # before position 0); our own check looks only at the character after the closing dollar.
    assert str(render_markdown("$x$ costs $5")).count("<math") == 1


def test_emphasis_lists_links_and_tables():
    html = str(render_markdown(
        "*em* **strong** `code`\n\n- one\n- two\n\n1. first\n\n[site](https://example.org) <mailto:a@example.org>\n\n"
        "| Body | $\\mu$ |\n|:-|-:|\n| Earth | 3.986 |"
    ))
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html and "<code>code</code>" in html
    assert "<li>two</li>" in html and "<ol>" in html
    links = _Tags(html).named("a")
    assert [a["href"] for a in links] == ["https://example.org", "mailto:a@example.org"]
    assert all(a["rel"] == "nofollow noopener noreferrer" for a in links)
    assert '<th class="md-align-left">Body</th>' in html and '<td class="md-align-right">3.986</td>' in html
    assert "style=" not in html  # markdown-it's text-align style would be blocked by the CSP


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<svg onload="alert(1)"></svg>',
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](/account/logout)",
    "<!-- comment --> <style>body{}</style>",
    "$\\href{javascript:alert(1)}{x}$",
    "$\\style{background:url(javascript:alert(1))}{x}$",
    "$\\class{button}{x}$ $\\cssId{main}{y}$",
    # latex2mathml's own string output un-escapes text: this would have broken out of the <math>.
    '$\\text{</math><a/href="https://evil.example/login">Log in again</a><img/src=x/onerror=alert(1)>}$',
    "$\\verb|<script>alert(1)</script>|$",
    "$$\\text{</annotation></semantics></math><script>alert(1)</script>}$$",
])
def test_hostile_input_yields_no_script_handler_or_foreign_link(hostile):
    found = tags_of(hostile)
    names = {tag for tag, _ in found.tags}
    assert names <= TEXT_TAGS | MATH_TAGS, names
    assert not names & {"script", "img", "svg", "style", "iframe"}
    for tag, attrs in found.tags:
        forbidden = [name for name in attrs
                     if name.startswith("on") or (name in ("style", "id", "href") and tag != "a")]
        assert not forbidden, (tag, attrs)
        assert not any("javascript" in (value or "").lower() for value in attrs.values()), (tag, attrs)
    assert found.named("a") == []  # none of these is a link to an http(s) or mailto address


def test_images_are_not_loaded_their_address_stays_a_plain_link():
    found = tags_of("![x](https://tracker.example/pixel.png)")
    assert found.named("img") == []
    assert [a["href"] for a in found.named("a")] == ["https://tracker.example/pixel.png"]


def test_tex_commands_cannot_set_links_styles_colours_or_huge_sizes():
    html = str(render_markdown(
        "$\\color{red}{x}$ $\\colorbox{yellow}{y}$ $\\hspace{9999em}$ $\\rule{999em}{999em}$ $\\kern 3em$"
    ))
    for tag, attrs in _Tags(html).tags:
        assert not set(attrs) & {"href", "style", "class", "id", "mathcolor", "mathbackground"}, (tag, attrs)
        assert "999" not in "".join(attrs.values() if tag != "annotation" else ())
    assert '<mspace width="3em">' in html  # sane lengths are kept
    assert math_errors("$\\href{https://example.org}{x}$") == ["\\href{https://example.org}{x}"]


def test_every_element_and_attribute_latex2mathml_emits_is_allowed_and_survives_sanitising():
    from journal.markup import _CLEANER

    for tex in FORMULAS:
        for display in (False, True):
            mathml = formula_to_mathml(tex, display)
            assert mathml is not None, tex
            for tag, attrs in _Tags(mathml).tags:
                assert tag in MATH_TAGS, (tex, tag)
                assert set(attrs) <= set(MATH_ATTRIBUTES.get(tag, {})) | {"encoding"}, (tex, tag, attrs)
            # nh3 keeps all of it: our serialiser and the sanitiser's allowlist agree.
            assert _CLEANER.clean(mathml).replace("&nbsp;", "\xa0") == mathml, tex


def test_styled_letters_are_unicode_math_letters_because_chromium_ignores_mathvariant():
    html = str(render_markdown(r"$\mathbf{v} \in \mathbb{R}^3$, $\mathscr{H}$, $\boldsymbol{\alpha}$, $\mathrm{d}x$"))
    assert "<mi>𝐯</mi>" in html and "<mi>ℝ</mi>" in html and "<mi>ℋ</mi>" in html and "<mi>𝜶</mi>" in html
    assert '<mi mathvariant="normal">d</mi>' in html  # the d of dx stays upright
    assert 'mathvariant="bold' not in html


def test_common_latex_that_latex2mathml_lacks_still_renders():
    for tex in (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", r"\begin{equation} x \end{equation}", r"\arg z"):
        assert formula_to_mathml(tex, True) is not None, tex
    assert "<mtable" in formula_to_mathml(r"\begin{aligned} a &= b \end{aligned}", True)


@pytest.mark.parametrize("broken", [
    r"\frac{a",  # latex2mathml itself guesses here: an mfrac with one child
    r"x^",
    r"\left( x",
    r"a}",
    r"\foo",
    r"a & b",
    r"\begin{foo} x \end{foo}",
    r"\sum\limits",
    r"\def\a{\a\a}\a",
    r"\newcommand{\b}{y} \b",
    r"\unicode{0}",
])
def test_an_unreadable_formula_is_shown_as_escaped_code_and_reported(broken):
    text = f"Before ${broken}$ after."
    html = str(render_markdown(text))
    assert "<math" not in html
    codes = [attrs for tag, attrs in _Tags(html).tags if tag == "code"]
    assert codes == [{"class": "tex-error"}]
    assert math_errors(text) == [broken]


def test_an_unreadable_display_formula_keeps_its_double_dollars_and_is_reported_once():
    text = "$$\\frac{a$$\n\nAgain $\\frac{a$ and fine $x^2$."
    html = str(render_markdown(text))
    assert '<p><code class="tex-error">$$\\frac{a$$</code></p>' in html
    assert '<code class="tex-error">$\\frac{a$</code>' in html and html.count("<math") == 1
    assert math_errors(text) == ["\\frac{a"]
    assert math_errors("Fine $x^2$.") == [] and math_errors("") == [] and math_errors(None) == []


def test_too_long_or_too_deep_formulas_are_errors_not_crashes():
    assert math_errors("$" + "x+" * MAX_FORMULA_LENGTH + "x$") != []
    deep = "$" + "{" * 999 + "x" + "}" * 999 + "$"  # within the length limit; latex2mathml recurses per level
    html = str(render_markdown(deep))
    assert "tex-error" in html or "<math" in html


def test_an_unclosed_display_formula_does_not_swallow_the_rest():
    html = str(render_markdown("$$ x +\n\nThe next paragraph."))
    assert "<p>The next paragraph.</p>" in html


def test_abstract_headings_start_below_the_pages_headings():
    html = str(render_markdown("# Aims\n\n## Methods\n\nSetext\n======\n\n#### Four\n\n###### Six"))
    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Aims</h3>" in html and "<h4>Methods</h4>" in html and "<h3>Setext</h3>" in html
    assert "<h6>Four</h6>" in html and "<h6>Six</h6>" in html


def test_plain_text_drops_markup_and_keeps_formulas_as_tex():
    assert plain_text("We *measure* $v = E \\times B$.") == "We measure $v = E \\times B$."
    text = "# Aims\n\nSee [the data](https://example.org).\n\n$$E = mc^2$$\n\n- one\n- two\n\n<b>x</b>"
    assert plain_text(text) == "Aims\n\nSee the data.\n\n$$E = mc^2$$\n\n- one\n\n- two\n\n<b>x</b>"
    assert plain_text("") == "" and plain_text(None) == ""


def test_empty_abstract_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""


def test_jinja_filter_and_globals_from_init_app():
    app = Flask(__name__)
    init_app(app)
    with app.app_context():
        html = render_template_string(
            "<div>{{ text|markdown }}</div>|{{ text|plain_text }}|{{ math_errors(text)|length }}",
            text="Energy $E = mc^2$ and <b>bold</b> $\\frac{a$",
        )
    assert '<math display="inline">' in html  # Markup: not escaped a second time
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>" not in html
    assert html.endswith("|Energy $E = mc^2$ and &lt;b&gt;bold&lt;/b&gt; $\\frac{a$|1")


def test_a_20_kb_abstract_renders_correctly_and_quickly(capsys):
    sentence = (
        "We model the transfer with $\\Delta v = v_e \\ln \\frac{m_0}{m_f}$ and the period "
        "$T^2 = \\frac{4\\pi^2}{GM} a^3$, for $\\mathbf{r}(t) \\in \\mathbb{R}^3$ and *several* **bodies**. "
    )
    paragraphs = [f"{sentence * 3}Paragraph {n} with $x_{{{n}}}^2$." for n in range(36)]
    display = "$$\\sum_{i=1}^{n} \\frac{\\partial^2 u}{\\partial x_i^2} = 0$$\n"
    text = "## Methods\n\n" + "\n\n".join(paragraphs) + "\n\n" + display
    assert 19_000 < len(text.encode()) < 21_000
    formula_to_mathml.cache_clear()
    start = time.perf_counter()
    html = str(render_markdown(text))
    elapsed = time.perf_counter() - start
    assert html.count("<math") == 36 * 10 + 1 and "tex-error" not in html and html.count("<p>") == 36
    with capsys.disabled():
        print(f"\n[benchmark] {len(text.encode()) / 1000:.1f} kB abstract, 361 formulas: {elapsed * 1000:.1f} ms")
