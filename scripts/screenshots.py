"""Full-page screenshots of every page, at desktop and phone width, from a real running app.

    .venv/bin/python scripts/screenshots.py [--out DIR] [--only NAME ...] [--widths 1280 375] [--language zh]

Makes a throw-away instance (SQLite database, file storage) in a temporary folder, seeds the
demo journals and people, starts `flask run` on a free loopback port, logs in through the real
login form as the demo users and saves `<page>-<width>.png` files. At phone width it also checks
that nothing makes the page scroll sideways and names every page that does.

Needs Debian's Chromium (`apt-get install chromium`) and the `playwright` package; it never
downloads a browser.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = ROOT / ".venv" / "bin" / "flask"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "deep-space-demo"
ADMIN = "admin@idsea.example"
MANAGING_EDITOR = "managing.editor@idsea.example"
REVIEWER = "reviewer.sara@idsea.example"
AUTHOR = "author.mei@idsea.example"              # has a draft (from seed-demo) and submits a new paper here
SUBMITTED_AUTHOR = "author.john@idsea.example"   # has a submitted paper
REVISING_AUTHOR = "author.elena@idsea.example"   # has a paper with a revision requested
HANDLING_EDITOR = "editor.ada@idsea.example"     # handles the paper under review (seed-demo)
DECIDING_EDITOR = "editor.marco@idsea.example"   # handles the reviewed paper waiting for a decision
DRAFTING_REVIEWER = "reviewer.amira@idsea.example"  # has a review in progress
INVITED_REVIEWER = "reviewer.kenji@idsea.example"   # has an invitation to answer

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The app stopped while starting (exit code {server.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit(f"The app did not answer at {url} within {seconds} s.")


def app_environment(instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The instance folder decides everything else: no outside database, storage or mail server.
    for name in ("DATABASE_URL", "STORAGE_URL", "MAIL_URL", "JOURNAL_ENV", "FORCE_HTTPS"):
        env.pop(name, None)
    env.update(JOURNAL_INSTANCE_PATH=str(instance), FLASK_APP="wsgi", JOURNAL_ENV="development",
               PYTHONUNBUFFERED="1",
               # the script logs in as a dozen demo people within a minute, more than a client may
               AUTH_RATE_LIMIT="1000 per minute")
    return env


def prepare(env: dict[str, str]) -> None:
    """The database and the demo: journals, people, and submissions in draft, submitted and
    revision-requested states (made by `seed-demo` through the services, with their files)."""
    for command in (["db", "upgrade"], ["journal", "seed-demo"]):
        done = subprocess.run([str(FLASK), *command], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:  # the seed's mails and migration notes are shown only when it fails
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"`flask {' '.join(command)}` failed (exit code {done.returncode}).")


class Shooter:
    def __init__(self, browser, base: str, out: Path, widths: list[int], only: set[str], language: str | None = None):
        self.browser, self.base, self.out, self.widths, self.only = browser, base, out, widths, only
        self.language = language
        out.mkdir(parents=True, exist_ok=True)
        self.saved: list[Path] = []
        self.overflowing: list[str] = []
        self.problems: list[str] = []

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def context(self, email: str | None = None):
        context = self.browser.new_context(viewport={"width": self.widths[0], "height": 900},
                                           device_scale_factor=1, locale=self.language or "en-GB")
        page = context.new_page()
        if email:
            page.goto(self.base + "/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("main form:has(#password) button[type=submit]")
            page.wait_for_load_state("load")
            if "/login" in page.url:
                raise SystemExit(f"Could not log in as {email}.")
        if self.language:
            # The language choice at the top of the page, as a person would use it (saved for the demo person).
            page.goto(self.base + "/")
            choice = page.locator(f".language-choice button[value={self.language}]")
            if choice.count():
                choice.click()
                page.wait_for_load_state("load")
        return context, page

    def shoot(self, page, name: str, path: str | None = None, prepare=None, status: int | None = 200,
              after=None) -> None:
        """Open `path` (or run `prepare(page)`) at each width and save a full-page PNG."""
        if not self.wanted(name):
            return
        for width in self.widths:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(self.base + path) if path else None
            if prepare:
                prepare(page)
            page.wait_for_load_state("load")
            if response is not None and status is not None and response.status != status:
                self.problems.append(f"{name}: unexpected HTTP {response.status} at {path}")
            self.save(page, name, width)
            if after:
                after(page)

    def capture(self, page, name: str) -> None:
        """Save the page as it is now (e.g. the answer to a form, with its one-time message) at
        each width, by resizing the window instead of loading the page again."""
        if self.wanted(name):
            for width in self.widths:
                page.set_viewport_size({"width": width, "height": 900})
                self.save(page, name, width)
        page.set_viewport_size({"width": self.widths[0], "height": 900})

    def save(self, page, name: str, width: int) -> None:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            self.overflowing.append(f"{name} at {width} px: scrollWidth {scroll_width}")
        target = self.out / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        self.saved.append(target)

    def expect(self, page, name: str, text: str) -> None:
        """Note a step of the walk through the wizard that did not end where it should."""
        if not page.get_by_text(text, exact=False).count():
            self.problems.append(f"{name}: “{text}” not on the page ({page.url})")


def fill_register(page, *, email: str, confirm: str, orcid: str) -> None:
    page.fill("#given_name", "Ana")
    page.fill("#family_name", "Souza")
    page.fill("#email", email)
    page.fill("#password", "a long enough passphrase")
    page.fill("#confirm", confirm)
    page.fill("#affiliation", "Instituto Nacional de Pesquisas Espaciais")
    page.fill("#orcid", orcid)
    page.click("main form:has(#orcid) button[type=submit]")


def run(args) -> int:
    from playwright.sync_api import sync_playwright

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    instance = Path(tempfile.mkdtemp(prefix="journal-screens-"))
    env = app_environment(instance)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        prepare(env)
        log = open(instance / "server.log", "w")
        server = subprocess.Popen([str(FLASK), "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_until_up(base + "/healthz", server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            shooter = Shooter(browser, base, out / args.language if args.language else out, args.widths,
                              set(args.only or []), args.language)
            shooter.instance = instance
            shoot_all(shooter)
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep_instance:
            print(f"Instance kept in {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)

    print(f"{len(shooter.saved)} screenshots")
    for problem in shooter.problems:
        print(f"PROBLEM {problem}")
    for item in shooter.overflowing:
        print(f"OVERFLOW {item}")
    if not shooter.overflowing:
        print(f"No page scrolls sideways at {min(args.widths)} px.")
    print(out)
    return 1 if shooter.overflowing or shooter.problems else 0


def shoot_all(s: Shooter) -> None:
    # Readers and people without an account.
    context, page = s.context()
    s.shoot(page, "home", "/")
    s.shoot(page, "home-focus", "/", prepare=lambda p: [p.keyboard.press("Tab") for _ in range(6)])
    s.shoot(page, "journal", "/j/jdse/")
    s.shoot(page, "register", "/register")
    s.shoot(page, "register-errors", "/register", prepare=lambda p: fill_register(
        p, email="ana.souza@inpe.example", confirm="a different passphrase", orcid="0000-0002-1825-0098"))
    s.shoot(page, "register-orcid", "/register", prepare=lambda p: fill_register(
        p, email="ana.souza@inpe.example", confirm="a long enough passphrase", orcid="0000-0002-1825-0098"))
    s.shoot(page, "login", "/login")
    s.shoot(page, "skip-link", "/login", prepare=lambda p: p.keyboard.press("Tab"))

    def wrong_login(p):
        p.fill("#email", "nobody@idsea.example")
        p.fill("#password", "not the password")
        p.click("main form:has(#password) button[type=submit]")
    s.shoot(page, "login-errors", "/login", prepare=wrong_login)
    s.shoot(page, "forgot", "/password/forgot")

    def forgot(p):  # also queues a mail, for the outbox pages below
        p.fill("#email", AUTHOR)
        p.click("main form:has(#email) button[type=submit]")
    s.shoot(page, "forgot-sent", "/password/forgot", prepare=forgot)
    s.shoot(page, "not-found", "/no/such/page", status=404)
    context.close()

    shoot_public_pages(s)

    # A new account: the login page saying a mail is on its way (registering does not log in, so that an
    # address with an account gets the same answer).
    context, page = s.context()
    numbers = iter(range(1, 100))
    s.shoot(page, "registered", "/register", prepare=lambda p: fill_register(
        p, email=f"new.author{next(numbers)}@idsea.example", confirm="a long enough passphrase", orcid=""))
    context.close()

    context, page = s.context(AUTHOR)
    s.shoot(page, "profile", "/account/profile")
    s.shoot(page, "password", "/account/password")
    s.shoot(page, "password-focus", "/account/password", prepare=lambda p: p.focus("#password"))

    def wrong_password(p):
        p.fill("#current_password", "not my password")
        p.fill("#password", "short")
        p.fill("#confirm", "different")
        p.click("main form:has(#current_password) button[type=submit]")
    s.shoot(page, "password-errors", "/account/password", prepare=wrong_password)
    s.shoot(page, "activity", "/account/activity")
    s.shoot(page, "sessions", "/account/sessions")
    s.shoot(page, "submit", "/submit")
    s.shoot(page, "forbidden", "/admin/", status=403)
    context.close()

    shoot_author_pages(s)

    context, page = s.context(REVIEWER)
    s.shoot(page, "review", "/review/")
    s.shoot(page, "account-reviews", "/account/reviews")
    context.close()

    shoot_peer_review_pages(s)

    context, page = s.context(MANAGING_EDITOR)
    s.shoot(page, "editorial", "/editorial/")
    s.shoot(page, "editorial-queue", "/editorial/jdse/")
    s.shoot(page, "statistics", "/editorial/jdse/statistics")
    s.shoot(page, "statistics-all-years", "/editorial/jdse/statistics?period=all")
    s.shoot(page, "manage", "/manage/")
    s.shoot(page, "manage-settings", "/manage/jdse/settings")
    s.shoot(page, "manage-announcements", "/manage/jdse/announcements")
    s.shoot(page, "sections", "/manage/jdse/sections")
    if s.wanted("section-edit"):
        page.goto(s.base + "/manage/jdse/sections")
        edit = page.locator("main a[href*='/sections/']").first.get_attribute("href")
        s.shoot(page, "section-edit", edit)
    s.shoot(page, "members", "/manage/jdse/members")

    def bad_member(p):
        p.fill("#email", "nobody@idsea.example")
        p.click("main form:has(#email) button[type=submit]")
    s.shoot(page, "members-errors", "/manage/jdse/members", prepare=bad_member, status=None)

    def add_member(p):  # leaves a line in the journal's history and a mail in the outbox
        p.fill("#email", "author.john@idsea.example")
        p.select_option("#role", label="Reviewer")
        p.click("main form:has(#email) button[type=submit]")
    if s.wanted("members-added"):
        s.shoot(page, "members-added", "/manage/jdse/members", prepare=add_member, status=None,
                after=lambda p: p.click("main form:has(button:has-text('Remove John Mbeki')) button"))
    s.shoot(page, "history", "/manage/jdse/history")
    context.close()

    context, page = s.context(ADMIN)
    s.shoot(page, "admin-journals", "/admin/")
    s.shoot(page, "admin-new-journal", "/admin/journals/new")
    s.shoot(page, "admin-users", "/admin/users")
    s.shoot(page, "admin-outbox", "/admin/outbox")
    if s.wanted("outbox-message"):
        page.goto(s.base + "/admin/outbox")
        link = page.locator("main table a[href^='/admin/outbox/']").first
        if link.count():
            s.shoot(page, "outbox-message", link.get_attribute("href"))
        else:
            s.problems.append("outbox-message: the outbox is empty")
    context.close()


PUBLIC_PAGES = ["public-journal", "public-archive", "public-issue", "public-article", "public-article-cite",
                "public-search", "public-search-empty", "manage-announcements"]


def shoot_public_pages(s: Shooter) -> None:
    """The reader's site without logging in: the journal's home, its archive, an issue and an article, found by
    following links from /j/jdse/ (a PROBLEM line when nothing is published yet)."""
    if not any(s.wanted(name) for name in PUBLIC_PAGES):
        return
    context, page = s.context()
    s.shoot(page, "public-journal", "/j/jdse/")
    s.shoot(page, "public-archive", "/j/jdse/issues")
    page.goto(s.base + "/j/jdse/issues")
    issue = page.locator("main a.archive-issue-link").first
    if not issue.count():
        s.problems.append("public-issue, public-article: no published issue in /j/jdse/issues")
        context.close()
        return
    issue_path = issue.get_attribute("href")
    s.shoot(page, "public-issue", issue_path)
    page.goto(s.base + issue_path)
    article = page.locator("main .issue-toc-title a").first
    if not article.count():
        s.problems.append(f"public-article: no article in {issue_path}")
        context.close()
        return
    article_path = article.get_attribute("href")
    s.shoot(page, "public-article", article_path)
    s.shoot(page, "public-article-cite", article_path + "#cite")
    s.shoot(page, "public-search", "/search?q=regolith")
    s.shoot(page, "public-search-empty", "/search?q=%22unmatched+phrase%22+AND+(")
    context.close()


# The author's pages. Mei Chen submits a new paper through every step of the wizard, with the
# real forms; John Mbeki (submitted) and Elena Petrova (revision requested) have the papers that
# `seed-demo` made. Long names, addresses and file names on purpose: they must wrap at 375 px.
NEW_TITLE = ("Grain-size distribution of the Chang'e-5 returned regolith and its effect on the "
             "thermal conductivity of the lunar surface")
NEW_ABSTRACT = (
    "We measured the grain-size distribution of **42 regolith samples** returned by Chang'e-5 and "
    "derived their thermal conductivity in vacuum between 90 K and 380 K.\n\n"
    "The conductivity follows $k(T) = k_0 + B T^3$ with $k_0$ = 0.9 mW m⁻¹ K⁻¹, lower than the "
    "Apollo values, which we explain by the finer grains of the young mare basalt."
)
CO_AUTHORS = [
    dict(given_name="Hannah", family_name="Okonkwo-Bernstein",
         email="hannah.okonkwo-bernstein@planetologie.uni-muenster.example",
         affiliation="Institut für Planetologie, Westfälische Wilhelms-Universität Münster", country="DE",
         orcid="0000-0002-1825-0097"),
    dict(given_name="Wei", family_name="Li", email="li.wei@ustc.example",
         affiliation="University of Science and Technology of China", country="CN", orcid=""),
]
MANUSCRIPT_NAME = "Chen_et_al_2026_regolith_grain_size_thermal_conductivity_manuscript_v3_final.pdf"
SUPPLEMENT_NAME = "regolith_grain_size_distributions_all_42_samples_2026-03-14.csv"
CHECKLIST = ("The manuscript has not been published and is not under consideration elsewhere.\n"
             "All authors have approved the manuscript and agree to its submission.\n"
             "The manuscript file does not name its authors.")
WIZARD_PAGES = [
    "wizard-1-start", "wizard-1-start-saved", "wizard-2-metadata", "wizard-2-contributor",
    "wizard-3-files", "wizard-3-files-refused", "wizard-3-files-anonymity", "wizard-3-files-confirmed",
    "wizard-4-declarations", "wizard-5-review-missing", "wizard-5-review", "submitted", "my-submissions",
    "submission-draft", "delete-draft", "my-submissions-john", "submission-john", "withdraw",
    "withdraw-errors", "submission-elena", "revise-elena",
]


def click(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def link_to(page, list_path: str, text: str) -> str:
    """The address of the first link in `list_path`'s main area whose text contains `text`."""
    page.goto(list_path)
    return page.locator("main a", has_text=text).first.get_attribute("href")


def shoot_author_pages(s: Shooter) -> None:
    if not any(s.wanted(name) for name in WIZARD_PAGES):
        return
    sys.path.insert(0, str(ROOT))
    from journal.seed import demo_pdf

    # The journal asks for a checklist, set by its managing editor on the settings page.
    context, page = s.context(MANAGING_EDITOR)
    page.goto(s.base + "/manage/jdse/settings")
    page.fill("#submission_checklist", CHECKLIST)
    click(page, "main form:has(#submission_checklist) button[type=submit]")
    context.close()

    context, page = s.context(AUTHOR)
    draft_url = link_to(page, s.base + "/my/submissions", "Thermal inertia")
    s.shoot(page, "submission-draft", draft_url)
    s.shoot(page, "delete-draft", draft_url + "/delete")

    # Step 1: the section and the checklist; the draft exists from here on.
    s.shoot(page, "wizard-1-start", "/j/jdse/submit")
    page.goto(s.base + "/j/jdse/submit")
    page.check("main input[name=section_id] >> nth=0")
    for box in page.locator("main .wizard-checklist input[type=checkbox]").all():
        box.check()
    click(page, "main button:has-text('Start the submission')")
    s.expect(page, "wizard-1-start", "Your draft is saved")
    submission_url = page.url.rsplit("/", 1)[0]  # …/submissions/<id>
    s.shoot(page, "wizard-1-start-saved", submission_url.removeprefix(s.base) + "/start")

    # Step 2: title, abstract, keywords, and two co-authors added with the form.
    page.goto(submission_url + "/metadata")
    page.fill("#title", NEW_TITLE)
    page.fill("#abstract", NEW_ABSTRACT)
    page.fill("#keywords", "lunar regolith, thermal conductivity, Chang'e-5, returned samples, grain size")
    for author in CO_AUTHORS:
        for name, value in author.items():
            if name == "country":
                page.select_option("#author-country", value)
            else:
                page.fill(f"#author-{name}", value)
        click(page, "main button[value=add_author]")
        s.expect(page, "wizard-2-metadata", f"{author['given_name']} {author['family_name']} added")
    s.capture(page, "wizard-2-metadata")
    edit = page.locator("main a[href*='/contributors/']", has_text="Okonkwo-Bernstein").first.get_attribute("href")
    s.shoot(page, "wizard-2-contributor", edit)

    # Step 3: a refused upload, then a manuscript that names Mei Chen, a supplement, the confirmation.
    page.goto(submission_url + "/metadata")
    click(page, "main button[value=continue]")
    s.capture(page, "wizard-3-files")
    page.set_input_files("#manuscript", files=[{
        "name": "manuscript.pdf", "mimeType": "application/pdf",
        "buffer": b"<!DOCTYPE html><html><body><h1>Not a PDF</h1><script>alert(1)</script></body></html>"}])
    click(page, "main form:has(#manuscript) button[type=submit]")
    s.expect(page, "wizard-3-files-refused", "Please check")
    s.capture(page, "wizard-3-files-refused")

    pdf = demo_pdf([NEW_TITLE[:80], "Mei Chen, Hannah Okonkwo-Bernstein and Wei Li", "1. Introduction",
                    "As Mei Chen showed in 2024, the regolith at the Chang'e-5 site is young."], author="Mei Chen")
    page.set_input_files("#manuscript", files=[{"name": MANUSCRIPT_NAME, "mimeType": "application/pdf",
                                                "buffer": pdf}])
    click(page, "main form:has(#manuscript) button[type=submit]")
    s.expect(page, "wizard-3-files-anonymity", "names its authors")
    page.set_input_files("#supplement", files=[{"name": SUPPLEMENT_NAME, "mimeType": "text/csv",
                                                "buffer": b"sample,d50_um,k_mW\nCE5C0400,48,0.91\n"}])
    page.fill("#description", "Grain-size distributions and conductivity of all 42 samples, CSV")
    click(page, "main form:has(#supplement) button[type=submit]")
    s.capture(page, "wizard-3-files-anonymity")
    click(page, "main button:has-text('I confirm the names may stay')")
    s.expect(page, "wizard-3-files-confirmed", "You confirmed on")
    s.capture(page, "wizard-3-files-confirmed")

    # Step 4 shown empty, step 5 with what is still missing, then the declarations filled in.
    click(page, "main .wizard-nav a:has-text('Continue')")
    s.capture(page, "wizard-4-declarations")
    page.goto(submission_url + "/review")
    s.expect(page, "wizard-5-review-missing", "Still to do before you can submit")
    s.capture(page, "wizard-5-review-missing")
    page.goto(submission_url + "/declarations")
    page.fill("#cover_letter", "Dear Editor,\n\nWe submit our measurements of the returned Chang'e-5 regolith, "
                               "which we believe suit the journal's readers in lunar science.\n\nMei Chen")
    page.fill("#competing_interests", "None")
    page.fill("#funding", "National Natural Science Foundation of China, grant 42241104; IDSEA early-career grant.")
    page.fill("#data_availability", "All grain-size and conductivity data are in the supplementary file.")
    page.fill("#suggested_reviewers-0-name", "Kenji Watanabe")
    page.fill("#suggested_reviewers-0-email", "reviewer.kenji@idsea.example")
    page.fill("#suggested_reviewers-0-reason", "Laboratory work on returned samples of small bodies")
    click(page, "main button[value=continue]")
    s.expect(page, "wizard-5-review", "gives the paper its reference number")
    s.capture(page, "wizard-5-review")
    click(page, "main .wizard-submit button[type=submit]")
    s.expect(page, "submitted", "has received your submission")
    s.capture(page, "submitted")
    s.shoot(page, "my-submissions", "/my/submissions")
    context.close()

    context, page = s.context(SUBMITTED_AUTHOR)
    s.shoot(page, "my-submissions-john", "/my/submissions")
    john_url = link_to(page, s.base + "/my/submissions", "6U CubeSat radio beacon")
    s.shoot(page, "submission-john", john_url)
    s.shoot(page, "withdraw", john_url + "/withdraw")
    s.shoot(page, "withdraw-errors", john_url + "/withdraw", status=None,
            prepare=lambda p: click(p, "main button:has-text('Withdraw the submission')"))
    context.close()

    context, page = s.context(REVISING_AUTHOR)
    elena_url = link_to(page, s.base + "/my/submissions", "Sulfuric acid cloud")
    s.shoot(page, "submission-elena", elena_url)
    s.shoot(page, "revise-elena", elena_url + "/revise")
    context.close()


def row_link(page, list_path: str, text: str) -> str:
    """The first link in the table row (or card) of `list_path` that mentions `text`."""
    page.goto(list_path)
    return page.locator("main tr, main article, main li", has_text=text).first.locator("a").first.get_attribute("href")


def invitation_path(s: Shooter, email: str) -> str:
    """The personal link of the newest invitation mailed to `email`, read from the demo's outbox."""
    import re
    import sqlite3

    with sqlite3.connect(s.instance / "journal.sqlite3") as db:
        (body,) = db.execute("SELECT body_text FROM outbox_messages WHERE recipient = ? AND template = "
                             "'review_invitation' ORDER BY id DESC LIMIT 1", (email,)).fetchone()
    return re.search(r"https?://[^/\s]+(/review/invitations/\S+)", body).group(1)


def shoot_peer_review_pages(s: Shooter) -> None:
    """The editorial office and the reviewer's side on the demo's papers under review."""
    context, page = s.context(MANAGING_EDITOR)
    s.shoot(page, "editorial-queue-needs-action", "/editorial/jdse/?needs_action=y")
    s.shoot(page, "editorial-queue-filtered", "/editorial/jdse/?status=under_review&sort=newest")
    reviewed = row_link(page, s.base + "/editorial/jdse/?status=under_review", "Low-energy transfers")
    s.shoot(page, "editorial-submission-reviewed", reviewed)
    s.shoot(page, "decide", reviewed + "/decide?kind=minor_revision")
    s.shoot(page, "decide-errors", reviewed + "/decide", status=None, prepare=lambda p: [
        p.fill("#letter", ""), click(p, "main form button[type=submit]")])
    under_review = row_link(page, s.base + "/editorial/jdse/?status=under_review", "Boulder distributions")
    s.shoot(page, "find-reviewers", under_review + "/reviewers/find")
    s.shoot(page, "find-reviewers-search", under_review + "/reviewers/find?q=geology&scope=everyone")
    if s.wanted("review-return") or s.wanted("review-correct"):
        page.goto(s.base + reviewed)
        links = page.locator("main a[href$='/correct']")
        if links.count():
            correct = links.first.get_attribute("href")
            s.shoot(page, "review-correct", correct)
            s.shoot(page, "review-return", correct.removesuffix("/correct") + "/return")
        else:
            s.problems.append("review-correct: no 'correct' link on the reviewed paper's page")
    context.close()

    context, page = s.context(HANDLING_EDITOR)
    s.shoot(page, "editorial-queue-editor", "/editorial/jdse/")
    under_review = row_link(page, s.base + "/editorial/jdse/", "Boulder distributions")
    s.shoot(page, "editorial-submission-under-review", under_review)
    context.close()

    context, page = s.context()
    invitation = invitation_path(s, INVITED_REVIEWER)
    s.shoot(page, "review-invitation", invitation)
    context.close()

    context, page = s.context(DRAFTING_REVIEWER)
    s.shoot(page, "review-mine", "/review/")
    draft = row_link(page, s.base + "/review/", "Boulder distributions")
    s.shoot(page, "review-form", draft)
    s.shoot(page, "review-form-errors", draft, status=None,
            prepare=lambda p: click(p, "main button[value=submit]"))
    context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "tests" / "e2e" / "artifacts" / "screenshots"),
                        help="folder for the PNG files (default: %(default)s)")
    parser.add_argument("--widths", type=int, nargs="+", default=[1280, 375], help="viewport widths in px")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these pages, e.g. home profile")
    parser.add_argument("--keep-instance", action="store_true", help="keep the temporary instance folder")
    parser.add_argument("--language", choices=["zh", "en", "fr", "es", "ru", "ar"],
                        help="pages in this language (the browser asks for it; signed-in people choose it), into "
                             "OUT/<language>/")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
