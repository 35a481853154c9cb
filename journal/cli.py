"""`flask journal …` commands."""

import signal
import sys
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError

from journal.extensions import db

group = AppGroup("journal", help="Journal system commands.")


@group.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users already.")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="Where the demo is served, for the API example printed.")
def seed_demo_command(if_empty: bool, base_url: str) -> None:
    """Create the demo journal JDSE with its editors, reviewers and authors, and print their logins last."""
    from collections import Counter

    from journal.mail import mails_not_logged
    from journal.models import OutboxMessage, Submission, User
    from journal.seed import DEMO_PASSWORD, LATEX_NOT_MADE, PEOPLE, demo_logins, seed_demo, seed_submissions

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("The database has users already; demo seed skipped.")
        if db.session.scalar(select(func.count()).select_from(User).where(User.email == PEOPLE[0][0])):
            _echo_api_token(base_url)
            _echo_logins(demo_logins(), f"{DEMO_PASSWORD}, unless changed since")
        return
    with mails_not_logged():  # some ninety mails: they would bury the logins; Admin → Outbox has them
        people = seed_demo()
        made = seed_submissions()
    states = Counter(s.status.label.lower() for s in db.session.scalars(select(Submission).order_by(Submission.id)))
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    click.echo(f"Demo journal created: Journal of Deep Space Exploration (JDSE), with {states.total()} submissions "
               f"({', '.join(f'{count} {state}' for state, count in states.items())}).")
    click.echo(f"{mails} mails queued: read them in Admin → Outbox.")
    for line in made:
        if line.startswith(LATEX_NOT_MADE):  # the AASTeX letter could not be made here: say why
            click.echo(line)
    _echo_api_token(base_url)
    _echo_logins(people, DEMO_PASSWORD)


def _echo_api_token(base_url: str) -> None:
    """The JSON API's docs and a fresh token of the demo author (the earlier one revoked): curl works at once."""
    from journal.seed import demo_api_token

    made = demo_api_token()
    if made is not None:
        secret, owner = made
        base_url = base_url.rstrip("/")
        click.echo(f"JSON API: {base_url}/api/v1/docs; {owner}'s token (read and write, 30 days): {secret}")
        click.echo(f'  curl -H "Authorization: Bearer {secret}" {base_url}/api/v1/me/submissions')


def _echo_logins(people: list[tuple[str, str]], password: str) -> None:
    click.echo(f"Logins (password for all: {password}):")
    for role, email in people:
        click.echo(f"  {role:<22} {email}")


@group.command("api-operations")
def api_operations_command() -> None:
    """Print the JSON API's operations as a Markdown table (the README's API section holds it)."""
    from journal.web.api.operations import table

    with current_app.test_request_context("/"):
        click.echo(table())


@group.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--given-name", default="Platform")
@click.option("--family-name", default="Administrator")
def create_admin_command(email: str, password: str, given_name: str, family_name: str) -> None:
    """Create a platform administrator (or make an existing account one)."""
    from journal.services.admin import make_platform_admin
    from journal.services.errors import DomainError

    try:
        user = make_platform_admin(email=email, password=password, given_name=given_name, family_name=family_name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{user.email} is a platform administrator.")


@group.command("send-mail")
@click.option("--once", is_flag=True, help="Send what is due now and stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls when looping.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(min=1))
def send_mail_command(once: bool, interval: float, batch: int) -> None:
    """Deliver queued mails over SMTP (MAIL_URL), with retries and exponential backoff."""
    from journal.mail import MailSettingsError, send_due_mail
    from journal.models import utcnow

    if not current_app.config["MAIL_URL"]:
        raise click.ClickException("MAIL_URL is not set; mails stay in the outbox (Admin → Outbox).")
    # --once sends what was due when it started: a message whose attempt failed in this run is
    # due again later (backoff), never retried in the same run however many batches there are.
    started = utcnow()
    unreachable = False
    # SIGTERM (systemctl stop, a deploy): finish the message being sent, give the rest of the batch back to the
    # queue at once and exit, rather than die and leave them to wait for the lease.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    database_down = 0
    while not stop.is_set():
        try:
            result = send_due_mail(batch, due_by=started if once else None, stopping=stop.is_set)
        except MailSettingsError as exc:
            raise click.ClickException(str(exc)) from None
        except (OperationalError, InterfaceError) as exc:
            # The database restarting or failing over: the outbox is there when it is back (what this worker had
            # claimed returns to the queue when its lease runs out). Wait, longer each time, and go on.
            db.session.remove()
            database_down += 1
            pause = min(30.0, interval * 2 ** min(database_down, 5))
            click.echo(f"the database is unreachable ({str(exc.orig or exc).splitlines()[0]}); "
                       f"trying again in {pause:.0f} s", err=True)
            if once and database_down >= 3:
                sys.exit(1)
            stop.wait(pause)
            continue
        database_down = 0
        if result.sent or result.failed:
            click.echo(f"sent {result.sent}, failed {result.failed}")
        if result.connection_error:
            click.echo(f"{result.connection_error} (the mails stay queued)", err=True)
            unreachable = True
        if once and result.claimed < batch:
            # A cron job learns that the server is unreachable; refused recipients are the mails' business.
            if unreachable:
                sys.exit(1)
            return
        if not once and (result.claimed == 0 or result.connection_error):
            time.sleep(interval)  # a SIGTERM meanwhile ends the loop after the nap
    click.echo("stopped: unsent mails are back in the queue")


@group.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(min=1),
              help="Jobs run at once by this worker.")
@click.option("--no-schedule", is_flag=True,
              help="Only run queued jobs; leave the periodic ones to the other nodes' schedulers.")
@click.option("--tick", default=10.0, show_default=True, help="Seconds between the scheduler's looks at the clock.")
def worker_command(threads: int, no_schedule: bool, tick: float) -> None:
    """Run background jobs from the queue (JOBS_URL) and schedule the periodic ones (reminders daily at 07:00 UTC,
    the usage flush every 10 minutes) once for the whole cluster. Run one or more on any node; SIGTERM finishes
    the jobs in hand and stops."""
    from journal.jobs import run_worker

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set())
    run_worker(current_app._get_current_object(), threads, not no_schedule, stop, tick_seconds=tick)


@group.command("send-job")
@click.argument("name")
def send_job_command(name: str) -> None:
    """Queue one job now for the workers, e.g. send_reminders or flush_usage (with JOBS_URL=memory:// it runs in
    this command's own process before it exits)."""
    from journal.jobs import jobs

    queue = jobs()
    if name not in queue.actors:
        raise click.BadParameter(f"known jobs: {', '.join(sorted(queue.actors))}", param_hint="NAME")
    queue.send(name)
    if queue.in_memory:
        queue.wait(timeout_ms=30 * 60_000)
        click.echo(f"{name}: done")
    else:
        click.echo(f"{name}: queued")


@group.command("check-storage")
@click.option("--no-checksums", is_flag=True, help="Only compare keys; do not read every object.")
@click.option("--delete-orphans-older-than", "orphan_hours", type=click.FloatRange(min=1), default=None,
              metavar="HOURS", help="Delete objects no row names that were written at least HOURS ago (at least 1).")
def check_storage_command(no_checksums: bool, orphan_hours: float | None) -> None:
    """Report rows without objects, objects without rows and checksum mismatches (exit 1 if any)."""
    from datetime import timedelta

    from journal.services.storage_check import check_storage, sweep_orphans
    from journal.storage import get_storage

    storage = get_storage()
    report = check_storage(storage, verify_checksums=not no_checksums)
    if orphan_hours is not None:
        deleted = sweep_orphans(storage, report, older_than=timedelta(hours=orphan_hours))
        for key in deleted:
            click.echo(f"DELETED ORPHAN  {key} (written {report.orphan_written[key]:%Y-%m-%d %H:%M} UTC)")
        report.orphan_objects = [key for key in report.orphan_objects if key not in set(deleted)]
    click.echo(f"Checked {report.rows_checked} file rows and {report.objects_seen} stored objects.")
    for file_id, key in report.missing_objects:
        click.echo(f"MISSING OBJECT  file {file_id}: {key}")
    for key in report.orphan_objects:
        click.echo(f"ORPHAN OBJECT   {key}")
    for file_id, key, want, got in report.checksum_mismatches:
        click.echo(f"CHECKSUM        file {file_id}: {key} expected {want}, found {got}")
    if report.ok:
        click.echo("Storage and database agree.")
    else:
        sys.exit(1)


@group.command("refresh-review-facts")
def refresh_review_facts_command() -> None:
    """Recompute every submission's stored review figures (the editorial queue reads them). Run once after a
    rolling upgrade to migration 0022: nodes of the previous release changed reviews without keeping them."""
    from journal.models import Submission, refresh_review_facts

    refresh_review_facts(db.session)
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(Submission))
    click.echo(f"The review figures of {total} submissions were recomputed.")


@group.command("check-consistency")
def check_consistency_command() -> None:
    """Replay every submission's audit trail through the workflow and check what each status promises (exit 1 if
    anything disagrees)."""
    from journal.services.consistency import check_consistency

    report = check_consistency()
    click.echo(f"Checked {report.submissions_checked} submissions, {report.events_replayed} state changes replayed.")
    for problem in report.problems:
        click.echo(f"INCONSISTENT  {problem}")
    if report.ok:
        click.echo("Every submission's state agrees with its audit trail.")
    else:
        sys.exit(1)


def _moment(now_text: str | None):
    """The --now option as a UTC datetime, or None for now."""
    from datetime import UTC, datetime

    if not now_text:
        return None
    try:
        now = datetime.fromisoformat(now_text)
    except ValueError:
        raise click.BadParameter("write it as 2026-12-01T08:00", param_hint="--now") from None
    return now if now.tzinfo else now.replace(tzinfo=UTC)


@group.command("send-reminders")
@click.option("--now", "now_text", metavar="YYYY-MM-DDTHH:MM",
              help="Act as if it were this moment (UTC), e.g. 2026-12-01T08:00; default: now.")
def send_reminders_command(now_text: str | None) -> None:
    """Remind reviewers of their dates and send each editor a digest of what is stalled (run daily; idempotent)."""
    from journal.services.reminders import send_reminders

    now = _moment(now_text)
    report = send_reminders(now)
    for line in report.lines():
        click.echo(line)
    if report.failed:
        sys.exit(1)  # cron tells someone; what could be sent was sent


@group.command("flush-usage")
@click.option("--now", "now_text", metavar="YYYY-MM-DDTHH:MM",
              help="Act as if it were this moment (UTC); default: now.")
def flush_usage_command(now_text: str | None) -> None:
    """Count the buffered views and downloads by the COUNTER rules (run every 5-15 minutes; idempotent)."""
    from journal.services.usage import flush
    from journal.usage_buffer import FlushBusy

    now = _moment(now_text)
    try:
        report = flush(now)
    except FlushBusy:
        click.echo("another flush is running: nothing done")
        return
    click.echo(f"{report.events} events flushed in {report.batches} batch(es), {report.counted} counted "
               f"(robots and double clicks are not); {report.kept} wait for their hour to end.")


@group.command("crossref-xml")
@click.argument("issue")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the XML to this file instead of standard output.")
@click.option("--peer-review", is_flag=True,
              help="The deposit of the articles' published peer review (peer_review records), not of the articles.")
def crossref_xml_command(issue: str, output: str | None, peer_review: bool) -> None:
    """Write the Crossref deposit XML of a published issue. ISSUE is the issue's id, or JOURNAL/VOLUME/NUMBER
    such as jdse/3/2. Upload the file to Crossref; depositing it again updates the metadata. With --peer-review,
    the deposit of its published peer review, to upload after the articles' deposit."""
    from journal.scholarly import crossref

    try:
        found = crossref.find_issue(issue)
        body = (crossref.reviews_deposit_xml if peer_review else crossref.deposit_xml)(found)
    except crossref.NotDepositable as exc:
        raise click.ClickException(str(exc)) from None
    for warning in crossref.warnings(found):
        click.echo(f"Warning: {warning}", err=True)
    if output:
        with open(output, "wb") as handle:
            handle.write(body)
        click.echo(f"Wrote {output}: {found.journal.title}, {found.label}.", err=True)
    else:
        click.echo(body.decode("utf-8"), nl=False)


def register(app) -> None:
    app.cli.add_command(group)
