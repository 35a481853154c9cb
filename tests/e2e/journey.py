"""A journey through the site: people with their own browser contexts, a screenshot after every step, axe-core
run on every page a person lands on, and a check that no page went unchecked."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# WCAG 2.x A and AA, which is what journals' accessibility statements promise; "best-practice" rules are
# reported in the artifacts but only serious and critical WCAG violations fail the test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")

# Our own check beside axe (axe 4.x no longer reports duplicate ids): a repeated id breaks the label or the
# link that points at it, as a section with the id of the field inside it took the field's name away.
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const e of document.querySelectorAll('[id]')) seen[e.id] = (seen[e.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1).map(id =>
    [...document.querySelectorAll('[id="' + CSS.escape(id) + '"]')].map(e => e.outerHTML.slice(0, 120)).join('  |  '));
}"""

# The page is as wide as the window when nothing sticks out sideways.
HORIZONTAL_OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ').join('.') : ''));
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide};
}"""


@dataclass
class Finding:
    person: str
    step: str
    url: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        return (f"[{self.impact}] {self.rule}: {self.help}\n    page: {self.url} (step {self.step!r}, {self.person})\n"
                + "\n".join(f"    element: {t}" for t in self.targets))


@dataclass
class Person:
    """One person's browser: a context of their own (their own cookies) and one tab."""

    journey: Journey
    name: str
    context: object
    page: object
    landed: list[str] = field(default_factory=list)

    def step(self, label: str) -> None:
        self.journey.step(self, label)

    def goto(self, path_or_url: str, label: str | None = None) -> None:
        url = path_or_url if "://" in path_or_url else self.journey.stack.url(path_or_url)
        self.page.goto(url)
        self.step(label or f"open {urlsplit(url).path}")


class Journey:
    def __init__(self, browser, stack, folder: Path, axe_js: Path):
        self.browser = browser
        self.stack = stack
        self.folder = folder
        self.axe_source = axe_js.read_text()
        self.people: list[Person] = []
        self.count = 0
        self.findings: list[Finding] = []
        self.minor: list[Finding] = []
        self.checked: set[tuple[str, str]] = set()   # (person, url) run through axe
        self.pages: list[str] = []                  # every distinct page path visited, in order

    def person(self, name: str, *, width: int = 1280, height: int = 900, locale: str = "en-GB") -> Person:
        # The app's CSP allows no inline script; bypass_csp lets axe in, as browser extensions get in. The locale
        # is the browser's language (Accept-Language).
        context = self.browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True,
                                           accept_downloads=True, base_url=self.stack.base_url, locale=locale)
        # Generous: in CI the rest of the suite runs on the other worker, sharing the two cores.
        context.set_default_timeout(30_000)
        context.set_default_navigation_timeout(60_000)
        page = context.new_page()
        person = Person(self, name, context, page)
        page.on("framenavigated", lambda frame: frame == page.main_frame and person.landed.append(frame.url))
        self.people.append(person)
        return person

    def step(self, person: Person, label: str) -> None:
        page = person.page
        page.wait_for_load_state("load")
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", f"{person.name} {label}".lower()).strip("-")[:80]
        page.screenshot(path=self.folder / f"{self.count:03d}-{slug}.png", full_page=True)
        url = page.url.split("#")[0]  # a fragment moves within the page; it is the same page for axe
        path = urlsplit(url).path if url.startswith(self.stack.base_url) else "(object store) " + urlsplit(url).path
        if path not in self.pages:
            self.pages.append(path)
        if url.startswith(self.stack.base_url) and (person.name, url) not in self.checked:
            self.run_axe(person, label)
            self.checked.add((person.name, url))

    def run_axe(self, person: Person, label: str) -> None:
        page = person.page
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=self.axe_source)
        result = page.evaluate(
            "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " targets: v.nodes.map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160))})); }", AXE_TAGS)
        for violation in result:
            finding = Finding(person.name, label, page.url, violation["id"], violation["impact"] or "",
                              violation["help"], violation["targets"][:6])
            (self.findings if finding.impact in FAILING_IMPACTS else self.minor).append(finding)
        duplicates = page.evaluate(DUPLICATE_IDS)
        if duplicates:
            self.findings.append(Finding(person.name, label, page.url, "duplicate-id (journey's own check)", "serious",
                                         "IDs must be unique: labels and links find the first element only",
                                         duplicates[:6]))

    def overflow(self, person: Person) -> dict:
        return person.page.evaluate(HORIZONTAL_OVERFLOW)

    def unchecked_pages(self) -> list[str]:
        """Pages someone landed on that axe never saw (a step is missing after a navigation)."""
        missing = []
        for person in self.people:
            for url in person.landed:
                url = url.split("#")[0]
                if url.startswith(self.stack.base_url) and (person.name, url) not in self.checked:
                    missing.append(f"{person.name}: {url}")
        return missing

    def write_report(self) -> None:
        report = {"pages": self.pages,
                  "serious_or_critical": [f.__dict__ for f in self.findings],
                  "moderate_or_minor": [f.__dict__ for f in self.minor]}
        (self.folder / "axe-report.json").write_text(json.dumps(report, indent=2))

    def assert_accessible(self) -> None:
        self.write_report()
        assert not self.findings, (f"{len(self.findings)} serious or critical accessibility violation(s):\n"
                                   + "\n".join(str(f) for f in self.findings))
        missing = self.unchecked_pages()
        assert not missing, "pages visited without a step (no screenshot, no axe check):\n" + "\n".join(missing)

    def record_failure(self) -> None:
        """Where everyone was when the test failed: a screenshot and the accessibility tree of each page."""
        self.write_report()  # what axe found up to the failure
        for person in self.people:
            try:
                person.page.screenshot(path=self.folder / f"failed-{person.name}.png", full_page=True)
                (self.folder / f"failed-{person.name}.txt").write_text(
                    person.page.url + "\n\n" + person.page.locator("body").aria_snapshot())
            except Exception as exc:  # a closed page must not hide the test's own failure
                (self.folder / f"failed-{person.name}.txt").write_text(f"no snapshot: {exc!r}")

    def close(self) -> None:
        for person in self.people:
            person.context.close()
