"""The soak of scripts/cluster.py: a bounded mixed load through HAProxy, the failures, and the checks afterwards.

People, each a thread with its own HTTP session (cookies, CSRF token), all through the load balancer:
  readers        the public site and OAI-PMH
  authors        submit papers through the wizard with a real PDF
  the office     the managing editor assigns the handling editor, who sends the paper to review and invites a
                 reviewer; the reviewer accepts through the link in the mail and submits a review; the editor
                 accepts the paper
  the publisher  the managing editor makes the journal publish continuously, then takes each accepted paper
                 through production (galley, metadata, proofs its author approves) and publishes it online first
A failed request (connection lost, 5xx) is retried by the person like a browser's user would, after a pause; a
retried form must lose nothing. The load stops at the time limit or the request budget, whichever comes first.
"""

from __future__ import annotations

import hashlib
import json
import mailbox
import random
import re
import statistics
import subprocess
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser

import requests

PASSWORD = "deep-space-demo"
AUTHORS = ("author.mei@idsea.example", "author.john@idsea.example", "author.elena@idsea.example")
MANAGER = "managing.editor@idsea.example"
EDITOR = "editor.ada@idsea.example"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')
RETRIES = 8
RUN = f"{int(time.time()) % 100000:05d}"  # titles unique to this soak: the mailbox keeps earlier soaks' mails
CERTIFICATE = {"path": True}  # HAProxy's self-signed certificate, set by soak()
PAUSE = 1.5


class Budget:
    def __init__(self, requests_at_most: int, seconds: float):
        self.left, self.deadline, self.lock = requests_at_most, time.monotonic() + seconds, threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0 or time.monotonic() > self.deadline:
                return False
            self.left -= 1
            return True

    @property
    def over(self) -> bool:
        return self.left <= 0 or time.monotonic() > self.deadline


@dataclass
class Record:
    kind: str
    seconds: float
    ok: bool
    status: int | None
    at: float
    note: str = ""


@dataclass
class Results:
    records: list[Record] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)
    papers: dict[int, str] = field(default_factory=dict)  # submission id -> how far it got
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)

    def event(self, text: str) -> None:
        with self.lock:
            self.events.append((time.time(), text))
        print(f"  [{time.strftime('%H:%M:%S')}] {text}", flush=True)


class OutOfBudget(Exception):
    pass


class Person:
    """One browser: a requests session through HAProxy, retrying what failed as a person would."""

    def __init__(self, base: str, results: Results, budget: Budget, kind: str):
        self.base, self.results, self.budget, self.kind = base, results, budget, kind
        self.http = requests.Session()
        # As a browser: forms say where they come from (Flask-WTF checks the Referer of a form sent over HTTPS).
        self.http.headers["Referer"] = base + "/"
        self.token = None

    def request(self, method: str, path: str, expect=(200, 302, 304), kind: str | None = None, **kwargs):
        kind = kind or self.kind
        for attempt in range(RETRIES):
            if not self.budget.take():
                raise OutOfBudget
            started = time.monotonic()
            status, note = None, ""
            try:
                # verify per request: a session's own `verify` loses to REQUESTS_CA_BUNDLE in the environment
                response = self.http.request(method, self.base + path, allow_redirects=False, timeout=30,
                                             verify=CERTIFICATE["path"], **kwargs)
                status = response.status_code
            except requests.RequestException as exc:
                response, note = None, type(exc).__name__
            ok = status in expect
            self.results.add(Record(kind, time.monotonic() - started, ok, status, time.time(),
                                    note or (f"{method} {path}" if not ok else "")))
            if ok:
                return response
            if status is not None and status < 500 and status not in (429,):
                said = re.findall(r'class="[^"]*(?:error|flash)[^"]*"[^>]*>\s*([^<]{3,300})', response.text)
                raise RuntimeError(f"{method} {path} answered {status}: {' | '.join(said) or response.text[:300]}")
            time.sleep(PAUSE * (attempt + 1))  # the person waits and tries again
        raise RuntimeError(f"{method} {path} failed {RETRIES} times")

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, files=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        if files:  # each attempt sends the file anew
            return self.request("POST", path, data=data, files={k: (n, b) for k, (n, b) in files.items()}, **kwargs)
        return self.request("POST", path, data=data, **kwargs)

    def send_form(self, page: str, action_ends: str, overrides: dict | None = None, files: dict | None = None,
                  **kwargs):
        """Open `page`, fill the form whose action ends with `action_ends` as it stands (its hidden version,
        CSRF token, chosen options), change `overrides`, and send it, as a person clicking its button would."""
        import lxml.html

        document = lxml.html.fromstring(self.get(page).text)
        forms = [f for f in document.forms
                 if f.get("method", "get").lower() == "post"
                 and (f.get("action") or page).split("?")[0].endswith(action_ends)]
        if not forms:
            raise RuntimeError(f"no form sending to …{action_ends} on {page}")
        form = forms[0]
        values: dict = {}
        for name, value in form.form_values():  # boxes ticked under one name (languages offered) send each value
            values[name] = [*values[name], value] if isinstance(values.get(name), list) else (
                [values[name], value] if name in values else value)
        for name, value in (overrides or {}).items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        return self.post(form.get("action") or page, values, files=files, **kwargs)

    def log_in(self, email: str) -> None:
        page = self.get("/login").text
        self.token = CSRF.search(page).group(1)
        response = self.post("/login", {"email": email, "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"login of {email} failed: {response.status_code}")


# --- the people -------------------------------------------------------------------------------------------------

def reader(base, results, budget, stop):
    person = Person(base, results, budget, "reader")
    pages = ["/", "/j/jdse/", "/j/jdse/issues", "/search?q=plasma", "/search?q=solar+wind", "/j/jdse/feed.atom",
             "/sitemap.xml", "/robots.txt"]
    home = person.get("/j/jdse/issues").text
    pages += sorted(set(re.findall(r'href="(/j/jdse/issues?/[^"#?]+)"', home)))[:10]
    articles = []
    for issue in pages[-3:]:
        articles += re.findall(r'href="(/j/jdse/articles/\d+)"', person.get(issue).text)
    pages += sorted(set(articles))[:20]
    while not stop.is_set():
        time.sleep(random.uniform(0.05, 0.25))  # a reader reads
        if random.random() < 0.15:
            person.get("/oai?verb=ListRecords&metadataPrefix=oai_dc", kind="oai")
        else:
            person.get(random.choice(pages))


def author(base, results, budget, stop, email, queue, counter):
    person = Person(base, results, budget, "author")
    person.log_in(email)
    from tests.pdfs import manuscript_pdf  # a real PDF, made per paper

    while not stop.is_set():
        time.sleep(random.uniform(0.5, 2.0))  # an author writes between two submissions
        with counter["lock"]:
            counter["n"] += 1
            number = counter["n"]
        title = f"Soak paper {RUN}-{number}: dust devils at Jezero crater"
        response = person.post("/j/jdse/submit", {"section_id": section_id(person), "checklist_confirmed": "y",
                                                  **{f"check_{i}": "y" for i in range(6)}})
        match = re.search(r"/submissions/(\d+)/", response.headers.get("Location", ""))
        if not match:
            raise RuntimeError(f"no draft made: {response.status_code} {response.headers.get('Location')}")
        sid = int(match.group(1))
        url = f"/submissions/{sid}"
        results.papers[sid] = "draft"
        meta = {"title": title, "keywords": "mars, dust devils", "language": "en",
                "abstract": "Dust devils tracked by the rover's cameras over two Martian years, with their sizes."}
        person.post(f"{url}/metadata", {**meta, "action": "continue"}, expect=(302,))
        pdf = manuscript_pdf([title, "Anonymous authors"], ["Results.", f"Paper {number}."])
        person.post(f"{url}/files/manuscript", files={"manuscript": (f"paper-{number}.pdf", pdf)}, expect=(302,))
        person.post(f"{url}/declarations", {"cover_letter": "Dear editors,", "competing_interests": "None",
                                            "funding": "None", "data_availability": "On request.",
                                            "action": "continue"}, expect=(302,))
        review = person.get(f"{url}/review").text
        person.post(f"{url}/submit", {"version": VERSION.search(review).group(1)}, expect=(302,))
        results.papers[sid] = "submitted"
        OWNERS[sid] = email
        queue.put((sid, title))


_sections: dict = {}
OWNERS: dict[int, str] = {}  # submission id -> its author's address


def section_id(person: Person) -> str:
    if "jdse" not in _sections:
        page = person.get("/j/jdse/submit").text
        _sections["jdse"] = re.search(r'name="section_id"[^>]*value="(\d+)"|<option value="(\d+)"', page)
        match = _sections["jdse"]
        _sections["jdse"] = match.group(1) or match.group(2)
    return _sections["jdse"]


def office(base, results, budget, stop, queue, maildir, papers_done, production):
    """The managing editor, the handling editor and the reviewers, taking each submitted paper to acceptance:
    two reviewers, as the journal asks. Each form that should go through is checked to have gone through."""
    import html

    manager, editor = Person(base, results, budget, "editor"), Person(base, results, budget, "editor")
    manager.log_in(MANAGER)
    editor.log_in(EDITOR)
    reviewers: dict[str, Person] = {}
    today = date.today()
    dates = {"respond_by": (today + timedelta(days=7)).isoformat(), "due_at": (today + timedelta(days=28)).isoformat()}
    while not stop.is_set():
        try:
            sid, title = queue.get(timeout=1)
        except Exception:
            continue
        editorial = f"/editorial/jdse/submissions/{sid}"
        page = manager.get(editorial).text
        editor_id = re.search(r'<option value="(\d+)"[^>]*>[^<]*Ada', page).group(1)
        manager.post(f"{editorial}/assign", {"editor_id": editor_id, "version": VERSION.search(page).group(1)},
                     expect=(302,))
        page = editor.get(editorial).text
        editor.post(f"{editorial}/send-to-review", {"version": VERSION.search(page).group(1)}, expect=(302,))
        page = editor.get(editorial).text
        choices = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page[page.find("reviewer_id"):])
        for reviewer_id in random.sample([value for value, _label in choices if value != "0"][:6], 2):
            editor.post(f"{editorial}/reviewers/invite", {"reviewer_id": reviewer_id, **dates}, expect=(302,))
        results.papers[sid] = "invited"
        # The invitations arrive by mail (the mail workers deliver them to the sink): their links accept.
        for address, link in wait_for_invitations(maildir, title, 2, stop):
            reviewer = reviewers.get(address)
            if reviewer is None:
                reviewer = reviewers[address] = Person(base, results, budget, "reviewer")
                reviewer.log_in(address)
            reviewer.post(f"{link}/accept", {}, expect=(200, 302))
            my_reviews = reviewer.get("/review/").text
            assignment = assignment_of(my_reviews, title)
            scores = {f"score_{key}": "4" for key in ("originality", "significance", "soundness", "clarity")}
            reviewer.post(f"/review/assignments/{assignment}", {
                **scores, "recommendation": "accept", "comments_to_authors": "Clear and careful; accept.",
                "confidential_comments": "", "finished": "y", "action": "submit"}, expect=(302,))
        if stop.is_set():
            break
        results.papers[sid] = "reviewed"
        form = editor.get(f"{editorial}/decide?kind=accept").text
        letter = re.search(r'<textarea[^>]*name="letter"[^>]*>(.*?)</textarea>', form, re.S).group(1)
        editor.post(f"{editorial}/decide", {"kind": "accept", "letter": html.unescape(letter),
                                            "version": VERSION.search(form).group(1)}, expect=(302,))
        results.papers[sid] = "accepted"
        papers_done.append(sid)
        production.put((sid, title))


def assignment_of(page: str, title: str) -> int:
    """The id of the review assignment listed with `title` on a reviewer's page."""
    for match in re.finditer(r'href="/review/assignments/(\d+)"', page):
        if html_escape(title) in page[max(0, match.start() - 800):match.end() + 800]:
            return int(match.group(1))
    raise RuntimeError(f"no review of {title!r} on the reviewer's page")


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def publishing(base, results, budget, stop, production, published, authors_by_paper):
    """The managing editor takes each accepted paper through production (galley, metadata, proofs, which its
    author approves) and publishes it online first; a reader then finds it on the journal's page."""
    from tests.pdfs import manuscript_pdf

    manager = Person(base, results, budget, "publisher")
    manager.log_in(MANAGER)
    # The journal publishes continuously from now on (Manage → Settings), so each article goes out on its own.
    manager.send_form("/manage/jdse/settings", "/settings", {"publishes_continuously": "y"}, expect=(302,))
    authors: dict[str, Person] = {}
    while not stop.is_set():
        try:
            sid, title = production.get(timeout=1)
        except Exception:
            continue
        desk = f"/production/jdse/submissions/{sid}"
        manager.send_form(desk, f"{desk}/start")
        galley = manuscript_pdf([title, "Typeset"], ["Results, typeset."])
        manager.send_form(desk, f"{desk}/galley", files={"galley": (f"galley-{sid}.pdf", galley)}, expect=(302,))
        manager.send_form(f"{desk}/metadata", f"{desk}/metadata", expect=(302,))
        manager.send_form(desk, f"{desk}/proofs")
        email = authors_by_paper.get(sid)
        author = authors.get(email)
        if author is None:
            author = authors[email] = Person(base, results, budget, "author")
            author.log_in(email)
        author.send_form(f"/submissions/{sid}/proofs", f"/submissions/{sid}/proofs/approve")
        manager.send_form(desk, f"{desk}/publish-online")
        results.papers[sid] = "published"
        published.append(sid)
        page = manager.get("/j/jdse/").text  # the journal's page shows it at once (the page cache was told)
        if title not in page:
            raise RuntimeError(f"published paper {sid} is not on the journal's page")


def read_maildir(maildir) -> list:
    box = mailbox.Maildir(maildir, factory=None, create=False)
    parser = BytesParser(policy=policy.default)
    messages = []
    for key in box.iterkeys():
        try:
            messages.append(parser.parsebytes(box.get_bytes(key)))
        except (KeyError, FileNotFoundError):
            continue
    return messages


def wait_for_invitations(maildir, title, count, stop, seconds=120) -> list[tuple[str, str]]:
    """The (reviewer's address, invitation path) of the first `count` invitation mails about `title`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop.is_set():
        found = {}
        for message in read_maildir(maildir):
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if body else ""
            if title in text and "/review/invitations/" in text:
                link = re.search(r"https?://[^/\s]+(/review/invitations/[^\s/]+)", text)
                found[message["To"].split("<")[-1].strip(">").strip().lower()] = link.group(1)
        if len(found) >= count:
            return list(found.items())[:count]
        time.sleep(0.5)
    if stop.is_set():
        return []
    raise RuntimeError(f"the invitations for {title!r} did not arrive within {seconds} s")


# --- failures ------------------------------------------------------------------------------------------------------

def fail(cluster, results: Results | None = None, pace: float = 1.0) -> None:
    """In turn: kill -9 an app node (then start it again), stop a volume server (then start it), restart
    PostgreSQL, kill a job worker holding a job, kill a mail worker in the middle of a batch."""
    results = results or Results()
    say = results.event
    say("kill -9 app1 (its gunicorn master and workers)")
    cluster.kill("app1")
    time.sleep(5 * pace)
    cluster.restart("app1")
    wait_healthy(cluster, "app1")
    say("app1 back")
    time.sleep(5 * pace)

    say("stop volume1 (SeaweedFS)")
    cluster.stop("volume1", grace=5)
    time.sleep(10 * pace)
    cluster.restart("volume1")
    wait_ok(f"http://127.0.0.1:{cluster.ports['volume1']}/status", 30)
    say("volume1 back")
    time.sleep(5 * pace)

    say("restart PostgreSQL")
    cluster.pg_ctl("restart")
    say("PostgreSQL back")
    time.sleep(5 * pace)

    say("a long job; kill -9 the job worker that holds it")
    token = f"soak-{int(time.time())}"
    probe = cluster.dir / "probe" / f"{token}.log"
    send_probe(cluster, token, 20)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (probe.exists() and probe.read_text().strip()):
        time.sleep(0.2)
    holder = probe.read_text().split()[0].split(":")[1] if probe.exists() else None
    victim = next((n for n in ("jobs1", "jobs2") if str(cluster.state["pids"].get(n)) == holder), None)
    if victim:
        cluster.kill(victim)
        time.sleep(1)
        cluster.restart(victim)
        say(f"{victim} killed with the job in hand, and started again")
    else:
        say(f"no job worker started the probe within 60 s ({probe})")
    results.probe = token

    say("kill -9 a mail worker in the middle of a batch")
    killed = kill_mail_worker_mid_batch(cluster)
    say(f"{killed} killed mid-batch and started again" if killed else "no mail batch in flight within 60 s")


def send_probe(cluster, token: str, seconds: int) -> None:
    code = (f"from journal import create_app; app = create_app(); "
            f"app.extensions['journal.jobs'].send('probe', directory={str(cluster.dir / 'probe')!r}, "
            f"token={token!r}, seconds={seconds})")
    subprocess.run([str(cluster_python()), "-c", code], cwd=str(cluster_root()), env=cluster.app_env("cli"),
                   check=True, capture_output=True)


def cluster_python():
    import sys
    from pathlib import Path

    return Path(sys.executable)


def cluster_root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def kill_mail_worker_mid_batch(cluster) -> str | None:
    """Queue a burst of mails, watch (from before they are queued: a worker on a quiet machine sends a batch in
    well under a second) until a worker holds a batch of them, kill it with SIGKILL."""
    import threading

    import psycopg

    dsn = f"host=127.0.0.1 port={cluster.ports['postgres']} user=postgres dbname=journal"
    holder: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 120
        with psycopg.connect(dsn, autocommit=True) as conn:
            while time.monotonic() < deadline and not stop.is_set():
                row = conn.execute("SELECT claimed_by FROM outbox_messages WHERE status = 'queued' AND claimed_by "
                                   "IS NOT NULL AND recipient LIKE 'burst%' LIMIT 1").fetchone()
                for name in ("mail1", "mail2") if row else ():
                    if f":{cluster.state['pids'][name]}:" in f":{row[0]}:" or str(cluster.state["pids"][name]) in row[0]:
                        cluster.kill(name)
                        holder.append(name)
                        return
                time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        queue_burst(cluster, 60)
        watcher.join(timeout=60)
    finally:
        stop.set()
        watcher.join()
    if not holder:
        return None
    time.sleep(1)
    cluster.restart(holder[0])
    return holder[0]


def queue_burst(cluster, count: int) -> None:
    """Mails queued the way a service queues them, in one transaction (an announcement to many would)."""
    code = ("from journal import create_app; from journal.mail import queue_mail; from journal.extensions import db\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            f"    for i in range({count}):\n"
            "        queue_mail(f'burst{i:03d}@readers.test', 'burst', subject=f'Burst {i}',"
            " worded=lambda code, i=i: (f'Burst {i}', 'A mail of the soak, queued in a burst.\\n'))\n"
            "    db.session.commit()\n")
    subprocess.run([str(cluster_python()), "-c", code], cwd=str(cluster_root()), env=cluster.app_env("cli"),
                   check=True, capture_output=True)


def wait_healthy(cluster, name, seconds=60):
    wait_ok(f"http://127.0.0.1:{cluster.ports[name]}/healthz", seconds)


def wait_ok(url, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not healthy within {seconds} s")


# --- checks --------------------------------------------------------------------------------------------------------

@dataclass
class Check:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def say(self, text: str) -> None:
        self.lines.append(text)
        print(f"  {text}", flush=True)

    def problem(self, text: str) -> None:
        self.problems.append(text)
        print(f"  PROBLEM: {text}", flush=True)


def check(cluster, probe_token: str | None = None, drain_seconds: float = 90, allowed_duplicates: int = 0) -> Check:
    import psycopg

    result = Check()
    dsn = f"host=127.0.0.1 port={cluster.ports['postgres']} user=postgres dbname=journal"
    # 1. Every mail delivered, each once but where SMTP cannot help it: wait for the outbox to drain, then compare
    # with the sink.
    deadline = time.monotonic() + drain_seconds
    while True:
        with psycopg.connect(dsn, autocommit=True) as conn:
            queued, = conn.execute("SELECT count(*) FROM outbox_messages WHERE status = 'queued'").fetchone()
            sent, = conn.execute("SELECT count(*) FROM outbox_messages WHERE status = 'sent'").fetchone()
            failed, = conn.execute("SELECT count(*) FROM outbox_messages WHERE status = 'failed'").fetchone()
        if queued == 0 or time.monotonic() > deadline:
            break
        time.sleep(1)
    ids = Counter(m["Message-ID"] for m in read_maildir(cluster.dir / "mail.mbox"))
    twice = {k: v for k, v in ids.items() if v > 1}
    result.say(f"mail: {sent} sent, {queued} still queued, {failed} failed; the sink received {sum(ids.values())} "
               f"({len(ids)} distinct), {len(twice)} more than once")
    # SMTP cannot commit with our database: a worker killed with SIGKILL (or a database that restarts) after the
    # server accepted a mail and before the outbox recorded it sends it again from the outbox, with the same
    # Message-ID (mail programs show one). Each such failure may cost one; anything else delivered twice is a fault.
    if len(twice) > allowed_duplicates:
        result.problem(f"mails delivered more than once: {list(twice)[:5]}")
    elif twice:
        result.say(f"  {len(twice)} delivered again after a mail worker was killed, or the database restarted, "
                   "between the SMTP server's acceptance and the outbox's record (same Message-ID)")
    if queued:
        result.problem(f"{queued} mails still queued after {drain_seconds:.0f} s")
    if len(ids) != sent:
        result.problem(f"the outbox says {sent} sent but the sink has {len(ids)} distinct messages")
    # 2. No reminder sent twice (the sent_reminders key is unique; the mails must agree).
    with psycopg.connect(dsn, autocommit=True) as conn:
        reminders = conn.execute("SELECT recipient, subject, count(*) FROM outbox_messages WHERE template = "
                                 "'review_reminder' GROUP BY recipient, subject HAVING count(*) > 1").fetchall()
    result.say(f"reminders sent twice: {len(reminders)}")
    if reminders:
        result.problem(f"reminders sent twice: {reminders[:3]}")
    # 3. The job killed with its worker ran again and finished once.
    if probe_token:
        runs = (cluster.dir / "probe" / f"{probe_token}.log")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "done" not in (runs.read_text() if runs.exists() else ""):
            time.sleep(0.5)
        lines = [line.split(":")[0] for line in runs.read_text().split()] if runs.exists() else []
        result.say(f"the job held by the killed worker: {' → '.join(lines) or 'never ran'}")
        if lines.count("done") != 1:
            result.problem(f"the probe job finished {lines.count('done')} times")
    # 4. The database is consistent and its audit trail complete; files and objects agree.
    run = cluster.flask("journal", "check-consistency", check=False)
    result.say(f"flask journal check-consistency: exit {run.returncode}: "
               f"{(run.stdout.strip().splitlines() or ['(nothing)'])[-1]}")
    if run.returncode:
        result.problem(f"check-consistency failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    # Every row's object present with its checksum. An object without a row is an upload cut off between storing
    # and committing (the request in flight on the killed node): reported, not lost data; a row without its
    # object, or with other bytes, is.
    run = cluster.flask("journal", "check-storage", check=False)
    lines = run.stdout.splitlines()
    orphans = [line for line in lines if line.startswith("ORPHAN")]
    broken = [line for line in lines if line.startswith(("MISSING", "CHECKSUM"))]
    result.say(f"flask journal check-storage: {lines[0] if lines else '(nothing)'} {len(broken)} missing or "
               f"different, {len(orphans)} object(s) without a row (uploads cut off before their commit)")
    if broken or (run.returncode and not orphans):
        result.problem(f"check-storage failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    # 5. Every object on both volume servers, with the same bytes.
    replicas_checked, problems = check_replicas(cluster)
    result.say(f"storage: {replicas_checked} objects each read from both replicas")
    for problem in problems:
        result.problem(problem)
    return result


def check_replicas(cluster) -> tuple[int, list[str]]:
    """Each object in the bucket, chunk by chunk, from every volume server the master names for it: two copies,
    byte for byte what S3 serves."""
    s3 = cluster.s3()
    filer = f"http://127.0.0.1:{cluster.ports['filer']}"
    master = f"http://127.0.0.1:{cluster.ports['master']}"
    problems, checked = [], 0
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket="journal"):
        for item in page.get("Contents", []):
            key = item["Key"]
            expected = hashlib.sha256(s3.get_object(Bucket="journal", Key=key)["Body"].read()).hexdigest()
            with urllib.request.urlopen(f"{filer}/buckets/journal/{key}?metadata=true", timeout=10) as response:
                entry = json.load(response)
            copies = defaultdict(list)
            for chunk in sorted(entry.get("chunks") or [], key=lambda c: c.get("offset", 0)):
                volume = chunk["file_id"].split(",")[0]
                with urllib.request.urlopen(f"{master}/dir/lookup?volumeId={volume}", timeout=10) as response:
                    locations = [loc["url"] for loc in json.load(response).get("locations", [])]
                if len(locations) != 2:
                    problems.append(f"{key}: volume {volume} has {len(locations)} replica(s), not 2")
                for location in locations:
                    with urllib.request.urlopen(f"http://{location}/{chunk['file_id']}", timeout=10) as response:
                        copies[location].append(response.read())
            if not entry.get("chunks") and entry.get("content") is not None:
                continue  # stored inline in the filer (tiny objects)
            for location, parts in copies.items():
                if hashlib.sha256(b"".join(parts)).hexdigest() != expected:
                    problems.append(f"{key}: the copy on {location} differs from what S3 serves")
            checked += 1
    return checked, problems


# --- the soak ------------------------------------------------------------------------------------------------------

def soak(cluster, *, seconds: float, budget: int, with_failures: bool, pace: float = 1.0) -> int:
    import queue as queue_module

    results = Results()
    results.probe = None
    limit = Budget(budget, seconds)
    stop = threading.Event()
    papers = queue_module.Queue()
    done: list[int] = []
    counter = {"n": 0, "lock": threading.Lock()}
    errors: list[str] = []
    base = cluster.url
    CERTIFICATE["path"] = cluster.certificate

    def run(name, target, *args):
        def body():
            try:
                target(base, results, limit, stop, *args)
            except OutOfBudget:
                pass
            except Exception as exc:  # a person who cannot go on is a failure of the soak
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
                results.event(f"{name} gave up: {exc}")
        thread = threading.Thread(target=body, name=name, daemon=True)
        thread.start()
        return thread

    print(f"soak: at most {seconds:.0f} s and {budget} requests through {base}"
          f"{', with failures' if with_failures else ''}", flush=True)
    started = time.monotonic()
    threads = [run(f"reader{i}", reader) for i in range(3)]
    threads += [run(f"author{i}", author, email, papers, counter) for i, email in enumerate(AUTHORS)]
    to_production = queue_module.Queue()
    published: list[int] = []
    threads += [run("office", office, papers, cluster.dir / "mail.mbox", done, to_production)]
    threads += [run("publisher", publishing, to_production, published, OWNERS)]
    failer = None
    if with_failures:
        def failures():
            time.sleep(min(20, seconds * 0.1))
            try:
                fail(cluster, results, pace=pace)
            except Exception as exc:
                errors.append(f"failures: {type(exc).__name__}: {exc}")
                results.event(f"the failure sequence stopped: {exc}")
        failer = threading.Thread(target=failures, daemon=True)
        failer.start()
    while not limit.over and not (failer is None and len(errors) > 10):
        time.sleep(0.5)
        if failer is not None and not failer.is_alive() and limit.over:
            break
    if failer is not None:
        failer.join(timeout=300)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    wall = time.monotonic() - started
    report(results, wall, done)
    print("checks:", flush=True)
    # The at-least-once window of SMTP: a mail worker killed, or the database restarting, between the server's
    # acceptance of a mail and the outbox's record of it (one each at most).
    outcome = check(cluster, results.probe, allowed_duplicates=2 if with_failures else 0)
    failed = [r for r in results.records if not r.ok]
    problems = list(outcome.problems) + errors
    if not done:
        problems.append("no paper went from submission to decision")
    if not published:
        problems.append("no paper was published")
    print(f"\nsoak {'PASSED' if not problems else 'FAILED'} in {wall:.0f} s: {len(results.records)} requests, "
          f"{len(failed)} failed and retried, {len(done)} papers submitted → reviewed → accepted, "
          f"{len(published)} of them published", flush=True)
    for problem in problems:
        print(f"  - {problem}")
    return 0 if not problems else 1


def report(results: Results, wall: float, done: list[int]) -> None:
    by_kind = defaultdict(list)
    for record in results.records:
        by_kind[record.kind].append(record)
    print(f"\n{'kind':<10}{'requests':>10}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}", flush=True)
    for kind, records in sorted(by_kind.items()):
        times = sorted(r.seconds * 1000 for r in records if r.ok) or [0]
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"{kind:<10}{len(records):>10}{sum(not r.ok for r in records):>8}"
              f"{statistics.median(times):>9.0f}{p99:>9.0f}", flush=True)
    failed = [r for r in results.records if not r.ok]
    if failed:
        print("failed requests (each retried by its person), by second and cause:")
        for (second, status, note), n in sorted(Counter(
                (time.strftime("%H:%M:%S", time.localtime(r.at)), r.status, r.note) for r in failed).items()):
            print(f"  {second}  {status or '-'}  {note}  ×{n}")
    print(f"papers: {dict(Counter(results.papers.values()))}")
