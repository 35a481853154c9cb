"""Full-page screenshots of every page, at desktop and phone width, from a real running app.

    .venv/bin/python scripts/screenshots.py [--out DIR] [--only NAME ...] [--widths 1280 375]

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
PYTHON = ROOT / ".venv" / "bin" / "python"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "deep-space-demo"
ADMIN = "admin@idsea.example"
MANAGING_EDITOR = "managing.editor@idsea.example"
REVIEWER = "reviewer.sara@idsea.example"
AUTHOR = "author.mei@idsea.example"

# Submissions in every status, so that tables and status badges show real rows. They are written
# straight into the throw-away database: the screenshots are about looks, not the workflow.
SAMPLE_SUBMISSIONS = r'''
from datetime import timedelta
from journal import create_app
from journal.extensions import db
from journal.models import Journal, User, utcnow
from journal.models.submissions import Submission, SubmissionStatus

TITLES = [
    "Thermal inertia of lunar regolith at the Chang'e-6 landing site",
    "Solar wind proton flux at 1 AU during the 2025 maximum",
    "A low-thrust transfer to Kamo'oalewa with a lunar gravity assist",
    "Radio occultation of the Venusian ionosphere",
    "Dust devils and albedo change in Jezero crater",
    "Cubesat radiation tolerance beyond the Van Allen belts",
    "Plasma waves near the heliospheric current sheet",
    "Calibrating a thermal infrared imager for a Jupiter flyby",
    "Sample handling for a Mars sample return cache",
]
app = create_app()
with app.app_context():
    journal = db.session.scalar(db.select(Journal).filter_by(slug="jdse"))
    author = db.session.scalar(db.select(User).filter_by(email="author.mei@idsea.example"))
    now = utcnow()
    for number, (status, title) in enumerate(zip(SubmissionStatus, TITLES), start=1):
        when = now - timedelta(days=3 * number)
        db.session.add(Submission(
            journal=journal, submitter=author, title=title, status=status, status_changed_at=when,
            updated_at=when, reference=None if status is SubmissionStatus.DRAFT else f"JDSE-2026-{number:04d}",
        ))
    db.session.commit()
'''


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
               PYTHONUNBUFFERED="1")
    return env


def prepare(instance: Path, env: dict[str, str], sample: bool) -> None:
    for command in (["db", "upgrade"], ["journal", "seed-demo"]):
        subprocess.run([str(FLASK), *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    if sample:
        done = subprocess.run([str(PYTHON), "-c", SAMPLE_SUBMISSIONS], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode:
            print("Note: sample submissions not added (tables stay empty):",
                  done.stderr.strip().splitlines()[-1:], file=sys.stderr)


class Shooter:
    def __init__(self, browser, base: str, out: Path, widths: list[int], only: set[str]):
        self.browser, self.base, self.out, self.widths, self.only = browser, base, out, widths, only
        self.saved: list[Path] = []
        self.overflowing: list[str] = []
        self.problems: list[str] = []

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def context(self, email: str | None = None):
        context = self.browser.new_context(viewport={"width": self.widths[0], "height": 900},
                                           device_scale_factor=1)
        page = context.new_page()
        if email:
            page.goto(self.base + "/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("main form:has(#password) button[type=submit]")
            page.wait_for_load_state("load")
            if "/login" in page.url:
                raise SystemExit(f"Could not log in as {email}.")
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
                self.problems.append(f"{name}: HTTP {response.status} at {path}")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                self.overflowing.append(f"{name} at {width} px: scrollWidth {scroll_width}")
            target = self.out / f"{name}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            self.saved.append(target)
            if after:
                after(page)


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
        prepare(instance, env, sample=not args.no_sample)
        log = open(instance / "server.log", "w")
        server = subprocess.Popen([str(FLASK), "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_until_up(base + "/healthz", server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            shooter = Shooter(browser, base, out, args.widths, set(args.only or []))
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
        print(f"UNEXPECTED STATUS {problem}")
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

    # A new account: the welcome message and the banner asking to confirm the address.
    context, page = s.context()
    numbers = iter(range(1, 100))
    s.shoot(page, "registered", "/register", prepare=lambda p: fill_register(
        p, email=f"new.author{next(numbers)}@idsea.example", confirm="a long enough passphrase", orcid=""),
        after=lambda p: p.click("header button:has-text('Log out')"))
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
    s.shoot(page, "submit", "/submit")
    s.shoot(page, "submit-to", "/j/jdse/submit")
    s.shoot(page, "my-submissions", "/my/submissions")
    s.shoot(page, "forbidden", "/admin/", status=403)
    context.close()

    context, page = s.context(REVIEWER)
    s.shoot(page, "review", "/review/")
    context.close()

    context, page = s.context(MANAGING_EDITOR)
    s.shoot(page, "editorial", "/editorial/")
    s.shoot(page, "editorial-queue", "/editorial/jdse/")
    s.shoot(page, "manage", "/manage/")
    s.shoot(page, "manage-settings", "/manage/jdse/settings")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "tests" / "e2e" / "artifacts" / "screenshots"),
                        help="folder for the PNG files (default: %(default)s)")
    parser.add_argument("--widths", type=int, nargs="+", default=[1280, 375], help="viewport widths in px")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these pages, e.g. home profile")
    parser.add_argument("--no-sample", action="store_true", help="do not add sample submissions")
    parser.add_argument("--keep-instance", action="store_true", help="keep the temporary instance folder")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
