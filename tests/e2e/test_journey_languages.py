"""The journey in Chinese and in Arabic, as people whose browsers ask for those languages do it: every control is
found by its translated label (the catalogs' own translation of the English), pages are checked by axe-core and
must not scroll sideways at phone and desktop width, and the mails arrive in the recipient's language.

A reader finds a bilingual article of 深空探测学报 by Chinese words; an author registers, submits a paper with its
title and abstract in a second language; the managing editor, seeing that the letter goes out in the author's
language, rejects it without review; the author reads the decision in their language.
"""

from __future__ import annotations

import re

import pytest
from babel.support import Translations

from journal.i18n import LANGUAGES, TRANSLATIONS
from tests.pdfs import manuscript_pdf

MANAGING_EDITOR = "managing.editor@idsea.example"
JOURNAL = "深空探测学报"
ARTICLE = "嫦娥五号月球样品的热导率测量"
WIDTHS = (1280, 375)


class Catalog:
    """The interface's words in one language: t("Log in") is what the page shows for it."""

    def __init__(self, code: str):
        self.code = code
        self.translations = Translations.load(str(TRANSLATIONS), [code])

    def __call__(self, message: str, **values) -> str:
        text = self.translations.gettext(message)
        assert text != message, f"{message!r} has no {self.code} translation: the journey would find English"
        return text % values if values else text

    def exact(self, message: str, **values):
        """A name to match exactly, whitespace as the page renders it."""
        return re.compile(rf"^\s*{re.escape(self(message, **values))}\s*$")


def labelled(t: Catalog):
    """The form field with this visible label, in the language: a required field's label ends in t("(required)")."""
    required = re.escape(t("(required)"))

    def field(scope, label: str):
        return scope.get_by_label(re.compile(rf"^{re.escape(label)}(\s*{required})?$"))

    return field


def no_sideways_scroll(person, where: str) -> None:
    found = person.journey.overflow(person)
    assert found["scrollWidth"] <= found["clientWidth"], f"{where} scrolls sideways: {found}"


def look(person, label: str) -> None:
    person.step(label)
    no_sideways_scroll(person, label)


@pytest.mark.parametrize("code", ["zh", "ar"])
def test_the_journey_in_chinese_and_in_arabic(journey, live_stack, tmp_path, code):
    t = Catalog(code)
    field = labelled(t)
    language = LANGUAGES[code]
    person_name = {"zh": ("伟", "李"), "ar": ("ليلى", "حداد")}[code]
    email = f"author.{code}@example.org"

    # 1. A reader whose browser asks for the language, on a phone and on a desktop.
    for width in WIDTHS:
        reader = journey.person(f"reader-{code}-{width}", width=width, locale=language.tag)
        page = reader.page
        reader.goto("/", "home page")
        assert page.locator("html").get_attribute("lang") == language.tag
        assert page.locator("html").get_attribute("dir") == language.direction
        no_sideways_scroll(reader, "home page")
        page.get_by_role("link", name=JOURNAL).first.click()
        look(reader, "journal home")
        page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Search"), exact=True).click()
        look(reader, "search page")
        field(page, t("Words in the title, abstract, keywords or author names")).fill("月球样品")
        page.get_by_role("button", name=t("Search"), exact=True).click()
        look(reader, "search results")
        assert page.locator("mark").filter(has_text="月球样品").first.is_visible()
        page.get_by_role("link", name=ARTICLE).first.click()
        look(reader, "article page")
        main = page.get_by_role("main")
        assert main.get_by_role("heading", name=ARTICLE).is_visible()
        english = main.locator("[lang=en]").filter(has_text="Thermal conductivity of the Chang'e-5 lunar samples")
        assert english.first.is_visible(), "the English title beside the Chinese one, marked as English"

    # 2. An author registers in the language (it becomes theirs), confirms the address and submits a paper with
    #    its title and abstract in English too.
    author = journey.person(f"author-{code}", locale=language.tag)
    page = author.page
    author.goto("/", "home page")
    page.get_by_role("link", name=t("Register")).click()
    look(author, "registration form")
    for label, value in ((t("Given name"), person_name[0]), (t("Family name"), person_name[1]),
                         (t("Email address"), email), (t("Password"), "lunar-samples-2026!"),
                         (t("Repeat the password"), "lunar-samples-2026!")):
        field(page, label).fill(value)
    page.get_by_role("button", name=t("Create account"), exact=True).click()
    look(author, "registered")
    mail = live_stack.wait_for_mail(email, t("Confirm your email address"))
    assert mail["Subject"] == t("Confirm your email address")
    author.goto(live_stack.link_in(mail, "/verify/"), "email confirmed")
    field(page, t("Email address")).fill(email)
    field(page, t("Password")).fill("lunar-samples-2026!")
    page.get_by_role("button", name=t("Log in"), exact=True).click()
    look(author, "logged in")

    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Submit"), exact=True).click()
    look(author, "choose the journal")
    page.get_by_role("link", name=JOURNAL).click()
    look(author, "wizard: journal and section")
    field(page, "研究论文").check()
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name=t("Start the submission")).click()
    look(author, "wizard: metadata")
    field(page, t("Title")).fill("月壤热流的三年观测")
    field(page, t("Abstract")).fill("我们在月球表面连续三年测量了月壤的热流，发现其随季节变化，与热导率模型一致。" * 2)
    field(page, t("Keywords")).fill("月壤，热流")
    field(page, t("Language of the manuscript")).select_option("zh")
    field(page, t("Second language")).select_option("en")
    field(page, t("Title in the second language")).fill("Three years of heat flow through the lunar regolith")
    field(page, t("Abstract in the second language")).fill("We measured the heat flow through the regolith for "
                                                            "three years and found a seasonal change.")
    page.get_by_role("button", name=t("Save and continue")).click()
    look(author, "wizard: files")
    pdf = tmp_path / f"manuscript-{code}.pdf"
    pdf.write_bytes(manuscript_pdf(["Lunar regolith heat flow", "Anonymous authors", "1. Introduction"],
                                   ["2. Method", "3. Results"]))
    field(page, t("Manuscript (PDF, or LaTeX source as .zip or .tar.gz)")).set_input_files(pdf)
    page.get_by_role("button", name=t("Upload the manuscript")).click()
    look(author, "wizard: manuscript uploaded")
    page.get_by_role("link", name=t("Continue"), exact=True).click()
    look(author, "wizard: declarations")
    field(page, t("Competing interests")).fill("无")
    field(page, t("Funding")).fill("无")
    field(page, t("Data availability statement")).fill("数据可应要求提供。")
    page.get_by_role("button", name=t("Save and continue")).click()
    look(author, "wizard: review and submit")
    page.get_by_role("button", name=t("Submit the manuscript")).click()
    look(author, "submitted")
    mail = live_stack.wait_for_mail(email, "CJDSE-")
    reference = re.search(r"CJDSE-\d{4}-\d{4}", mail["Subject"]).group(0)
    assert mail["Subject"].startswith(t("%(reference)s received: %(title)s", reference=reference, title="")[:8])

    # 3. The managing editor, whose browser asks for the same language, finds the paper and rejects it without
    #    review; the page says the letter goes out in the author's language.
    editor = journey.person(f"editor-{code}", locale=language.tag)
    editor.goto("/login", "login page")
    field(editor.page, t("Email address")).fill(MANAGING_EDITOR)
    field(editor.page, t("Password")).fill("deep-space-demo")
    editor.page.get_by_role("button", name=t("Log in"), exact=True).click()
    look(editor, "logged in")
    page = editor.page
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Editorial"), exact=True).click()
    look(editor, "editorial start")
    page.get_by_role("link", name=JOURNAL).first.click()
    look(editor, "queue")
    page.get_by_role("link", name=reference).first.click()
    look(editor, "the paper")
    page.get_by_role("link", name=t("Reject without review")).first.click()
    look(editor, "desk rejection")
    note = page.locator(".letter-language")
    assert language.native in note.inner_text(), "the letter goes out in the author's language, named in it"
    page.get_by_role("button", name=t("Reject and send the letter")).click()
    look(editor, "rejected")
    decision_subject = t("Decision on %(reference)s: %(title)s", reference=reference, title="月壤热流的三年观测")
    live_stack.wait_for_mail(email, " ".join(decision_subject.split()))
    journey.assert_accessible()
