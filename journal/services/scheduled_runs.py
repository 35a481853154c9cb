"""What the daily run's two parts, the reviewers' reminders (journal/services/reminders.py) and the editors' digest
(journal/services/digest.py), share: the report of the run, the once-only keys and the words for a day.

A key (`due:+3:assignment:12:2026-12-01`, `digest:user:7:2026-12-01`) is a `SentReminder` row inserted with the
mail it stands for, so running twice sends nothing twice and of two runs at once only one sends each mail.
"""

from dataclasses import dataclass

from babel import dates
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.exc import IntegrityError

from journal.extensions import db
from journal.models import SentReminder


@dataclass
class ReminderReport:
    """What one run did, per kind."""

    invitation_reminders: int = 0
    review_reminders: int = 0
    revision_reminders: int = 0  # to authors, around a revision's due date
    skipped: int = 0  # earlier reminder days recorded as skipped (missed runs)
    digests: int = 0
    taken_by_other_run: int = 0  # keys another run inserted first
    failed: int = 0  # errors, logged; the rest of the run went on

    def lines(self) -> list[str]:
        return [
            f"invitation reminders sent: {self.invitation_reminders}",
            f"review reminders sent: {self.review_reminders}",
            f"revision reminders sent: {self.revision_reminders}",
            f"earlier reminder days skipped (missed runs): {self.skipped}",
            f"editor digests sent: {self.digests}",
            f"left to another run at the same time: {self.taken_by_other_run}",
            f"failed (see the log): {self.failed}",
        ]


class TakenByOtherRun(Exception):
    """A concurrent run inserted this key first: it sends the mail, this run skips it."""


def relative_day(days: int) -> str:
    """The distance from today to a date, as a reviewer reads it: 'in 2 days', 'today', '3 days ago'. A lazy
    message: made text in the reader's language where it is written (a mail, inside journal/mail.py's queue_mail)."""
    if days == 0:
        return _l("today")
    if days == 1:
        return _l("tomorrow")
    if days == -1:
        return _l("yesterday")
    if days > 0:
        return lazy_ngettext("in %(num)d day", "in %(num)d days", days)
    return lazy_ngettext("%(num)d day ago", "%(num)d days ago", -days)


class LongDate:
    """A date inside a message, written when the message is made text: as the reader's language writes dates
    (English: 5 December 2026; others: CLDR's long form through Babel, 2026年12月5日, 5 décembre 2026)."""

    def __init__(self, moment):
        self.moment = moment

    def __str__(self) -> str:
        locale = get_locale()
        if locale is None or locale.language == "en":
            return f"{self.moment:%-d %B %Y}"
        return dates.format_date(self.moment, "long", locale=locale)


def long_date(moment) -> str:
    return str(LongDate(moment))


def claim_key(key: str, **columns) -> None:
    """Insert the key in a savepoint of the current transaction; `TakenByOtherRun` if it exists already.

    Callers write something first (the audit event, the mail) so that on SQLite, where pysqlite opens the
    transaction only at the first write, the savepoint nests inside it and key and mail commit together."""
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(key=key, **columns))
    except IntegrityError:
        raise TakenByOtherRun(key) from None
