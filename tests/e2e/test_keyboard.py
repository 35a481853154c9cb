"""The submission wizard with the keyboard alone: Tab to each control by the name a screen reader would announce,
type, Space and Enter; never a click. Every focused control must show where the focus is."""

from __future__ import annotations

import re
import time

from tests.e2e.requirements import DEMO_PASSWORD
from tests.pdfs import manuscript_pdf

AUTHOR = "author.john@idsea.example"
TITLE = "Dust impacts on the Parker Solar Probe antennas near perihelion"

# The accessible name of the focused element, as assistive technology computes it in the common cases here.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {name: '', role: 'body', focusVisible: false};
  let name = e.getAttribute('aria-label') || '';
  if (!name && e.labels && e.labels.length) name = e.labels[0].innerText;
  if (!name && e.getAttribute('aria-labelledby'))
    name = e.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id)?.innerText || '').join(' ');
  if (!name) name = e.innerText || e.value || '';
  const style = getComputedStyle(e);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  return {name: name.replace(/\\s+/g, ' ').trim(), role: e.getAttribute('role') || e.tagName.toLowerCase(),
          type: e.type || '', focusVisible: ring};
}"""


class Keyboard:
    def __init__(self, person):
        self.person = person
        self.page = person.page
        self.no_ring: list[str] = []

    def focused(self) -> dict:
        return self.page.evaluate(FOCUSED)

    def tab_to(self, name: str | re.Pattern, *, limit: int = 80) -> dict:
        """Press Tab until the focused control's name matches; fail naming what the Tab order passed."""
        passed = []
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focus = self.focused()
            passed.append(focus["name"][:40])
            matches = name.search(focus["name"]) if isinstance(name, re.Pattern) else focus["name"].startswith(name)
            if matches:
                if not focus["focusVisible"]:
                    self.no_ring.append(f"{focus['name']!r} on {self.page.url}")
                return focus
        raise AssertionError(f"Tab never reached {name!r} on {self.page.url}; it passed: {passed}")

    def type_into(self, name, text: str) -> None:
        self.tab_to(name)
        self.page.keyboard.type(text)

    def press(self, name, key: str = "Enter", step: str | None = None) -> None:
        """Tab to the control and press the key; with `step`, the key loads a page, which is then shot and checked."""
        self.tab_to(name)
        if step:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
            self.person.step(step)
        else:
            self.page.keyboard.press(key)


def test_the_submission_wizard_with_the_keyboard_alone(journey, live_stack, tmp_path):
    author = journey.person("keyboard-author")
    page = author.page
    keys = Keyboard(author)
    # Listening from the start: Playwright intercepts file choosers only once someone listens, and a chooser that
    # opens before the interception is in place is lost.
    choosers = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    author.goto("/", "home")

    # The first Tab offers to skip the header; Enter on it puts the next Tab inside the page's content.
    assert keys.tab_to("Skip to content", limit=1)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null"), keys.focused()
    author.goto("/", "home, again")

    keys.press("Log in", step="login page")
    keys.type_into("Email address", AUTHOR)
    keys.type_into("Password", DEMO_PASSWORD)
    keys.press("Log in", step="logged in")

    keys.press("Submit", step="choose the journal")
    keys.press("Journal of Deep Space Exploration", step="wizard: journal and section")
    keys.press("Research Article", "Space")
    assert page.get_by_label("Research Article").is_checked()
    checklist = page.evaluate("() => [...document.querySelectorAll('input[type=checkbox]')].map(e => e.labels[0].innerText)")
    for statement in checklist:  # the journal's checklist: each statement confirmed with Space
        keys.press(statement.strip()[:30], "Space")
    assert all(box.is_checked() for box in page.get_by_role("checkbox").all())
    keys.press("Start the submission", step="wizard: metadata")

    keys.type_into(re.compile(r"^Title"), TITLE)
    keys.type_into(re.compile(r"^Abstract"), "Dust impacts on the antennas rise steeply inside 0.2 AU; we count them "
                                             "over twelve perihelia.")
    keys.type_into(re.compile(r"^Keywords"), "dust, Parker Solar Probe, heliophysics")
    keys.type_into(re.compile(r"^Given name"), "Amara")
    keys.type_into(re.compile(r"^Family name"), "Nwosu")
    keys.type_into(re.compile(r"^Email address"), "amara.nwosu@example.org")
    keys.press("Add this author", step="wizard: co-author added")
    assert page.get_by_text("Amara Nwosu").first.is_visible()
    keys.press("Save and continue", step="wizard: files")

    manuscript = tmp_path / "dust-impacts.pdf"
    manuscript.write_bytes(manuscript_pdf([TITLE, "Anonymous authors"], ["Results"]))
    focus = keys.tab_to(re.compile(r"^Manuscript \(PDF"))
    assert focus["type"] == "file", focus
    page.keyboard.press("Space")  # opens the file chooser, which the test answers as the person would
    deadline = time.monotonic() + 15
    while not choosers and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert choosers, "Space on the focused file input opened no file chooser"
    choosers.pop().set_files(manuscript)
    keys.press("Upload the manuscript", step="wizard: manuscript uploaded")
    assert page.get_by_text("dust-impacts.pdf").first.is_visible()
    keys.press("Continue", step="wizard: declarations")

    keys.type_into(re.compile(r"^Competing interests"), "None")
    keys.type_into(re.compile(r"^Funding"), "None")
    keys.type_into(re.compile(r"^Data availability statement"), "The impact counts are in the supplement.")
    keys.press("Save and continue", step="wizard: review and submit")
    keys.press("Submit the manuscript", step="submitted")

    assert re.search(r"/submissions/\d+$", page.url), page.url
    assert "Submitted" in page.get_by_role("main").inner_text()
    live_stack.wait_for_mail(AUTHOR, "received", containing=TITLE)
    assert not keys.no_ring, "focused controls without a visible focus indicator:\n" + "\n".join(keys.no_ring)
    journey.assert_accessible()


def test_axe_and_the_journey_report_a_page_that_breaks_the_rules(journey, live_stack):
    """The accessibility check itself: a page with an unlabelled field, an image without a text alternative and
    a repeated id fails it, naming the rule and the element; the same page without them passes."""
    reader = journey.person("reader")
    reader.goto("/", "home, as built")
    assert not journey.findings
    reader.page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
          '<input type="text" id="planted">' + '<img src="/static/img/logo.svg">' + '<p id="planted">again</p>');
    }""")
    journey.run_axe(reader, "planted violations")
    rules = {finding.rule for finding in journey.findings}
    assert {"label", "image-alt"} <= rules, rules
    assert any(rule.startswith("duplicate-id") for rule in rules), rules
    assert all(finding.targets for finding in journey.findings)
    try:
        journey.assert_accessible()
    except AssertionError as failure:
        assert "label" in str(failure) and "planted" in str(failure) and "/" in str(failure)
    else:
        raise AssertionError("the planted violations did not fail the check")
    journey.findings.clear()  # the site itself is not at fault here
