"""Abstracts: Markdown with TeX math, rendered to sanitised HTML and MathML."""

import re
import time

import pytest

from journal.markup import math_errors, plain_text, render_markdown


def test_inline_and_display_math_become_mathml():
    html = str(render_markdown("Drift $v = E \\times B$ here.\n\n$$\\int_0^1 f(x)\\,dx$$"))
    assert re.search(r'<math[^>]*display="inline"', html)
    assert 'display="block"' in html and "<msubsup>" in html
    assert "$" not in html


def test_prices_are_not_taken_for_formulas():
    assert "<math" not in str(render_markdown("Tickets cost $5 and $10."))


def test_markdown_basics_and_safe_links():
    html = str(render_markdown("*em* **strong**\n\n- one\n- two\n\n[site](https://example.org)"))
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html and "<li>two</li>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener noreferrer"' in html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "$\\href{javascript:alert(1)}{x}$",
    "$\\style{background:url(javascript:alert(1))}{x}$",
    '<a href="javascript:alert(1)">x</a>',
])
def test_hostile_input_yields_no_script_handler_or_javascript_url(hostile):
    import re

    html = str(render_markdown(hostile)).lower()
    tags = re.findall(r"<[a-z][^>]*>", html)  # real tags only; escaped text is harmless
    assert not any(t.startswith(("<script", "<img", "<iframe")) for t in tags), tags
    assert not any(re.search(r"\son\w+=|javascript:|style=", t) for t in tags), tags


def test_abstract_headings_start_below_the_pages_headings():
    html = str(render_markdown("# Aims\n\n## Methods"))
    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Aims</h3>" in html and "<h4>Methods</h4>" in html


def test_an_unreadable_formula_is_shown_as_code_and_reported():
    text = "Broken $\\begin{matrix}$ formula."
    assert '<code class="tex-error">$\\begin{matrix}$</code>' in str(render_markdown(text))
    assert math_errors(text) == ["\\begin{matrix}"]
    assert math_errors("Fine $x^2$.") == []


def test_plain_text_keeps_formulas_as_tex():
    assert plain_text("We *measure* $v = E \\times B$.") == "We measure $v = E \\times B$."


def test_a_long_abstract_renders(capsys):
    text = ("Sentence with $a_i^2 + b_i^2 = c_i^2$ and *emphasis*. " * 40 + "\n\n") * 8
    start = time.perf_counter()
    html = str(render_markdown(text + "uncached"))
    elapsed = time.perf_counter() - start
    assert html.count("<math") == 320
    with capsys.disabled():
        print(f"\n[benchmark] {len(text) // 1024} kB abstract with 320 formulas rendered in {elapsed * 1000:.0f} ms")
