"""Conflicts of interest: the one check of whether a person is too close to a paper's authors to review it or to
handle it as its editor. Find reviewers, every invitation and the choice of a handling editor ask it.

A person (an account, or a name and an address not yet registered) conflicts with a submission when they are:
- an author of the paper (account or email address): never overridable;
- at the same institution as an author: the institution part of each affiliation (the first comma-separated part
  that does not name a department, faculty or school), compared as a set of words without accents, punctuation
  and the words "the", "of", "university" (in several languages), "and", "at", "for", "de"…;
- named as opposed by the authors: their email address (of the account or the one typed), or the same words in
  their full name;
- a co-author of another paper in this system (not a draft) with one of this paper's authors.

The other conflicts leave the choice to the editor, who goes ahead only by ticking an explicit override and giving
a reason, which the audit event records. An editor who may not know the authors (triple-anonymous handling
editor) reads the flags without names, affiliations or the authors' reasons.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from journal.extensions import db
from journal.models import Contributor, Submission, SubmissionStatus, User
from journal.permissions import can, is_contributor
from journal.services.accounts import normalize_email
from journal.services.errors import DomainError

# Words that say what kind of institution, not which one.
AFFILIATION_NOISE = frozenset("""
the of and at for de di du des der den la le el y en university universities univ uni universitat universiteit
universite universita universidad universidade universitet uniwersytet
""".split())
DEPARTMENT_WORDS = frozenset("department dept faculty school division chair group section".split())
WORDS = re.compile(r"[^\W_]+")

# What the audit event records (it names no one; in English, for the record) ...
CONFLICT_SHORT = {"author": "an author of this paper", "affiliation": "shares an affiliation with an author",
                  "opposed": "opposed by the authors", "coauthor": "co-authored with an author"}
# ... and the same, as the reason beside an "Invite anyway" button, in the reader's language.
CONFLICT_SHORT_LABELS = {"author": _l("an author of this paper"),
                         "affiliation": _l("shares an affiliation with an author"),
                         "opposed": _l("opposed by the authors"), "coauthor": _l("co-authored with an author")}
REASON_MAX = 2000


def fold(text: str) -> str:
    """Lower case without accents: "Mößbauer" and "mossbauer" compare equal."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def institution(affiliation: str) -> frozenset[str]:
    """Which institution an affiliation names, as a set of words ("Dept. of Physics, University of Oslo" → {oslo})."""
    for part in re.split(r"[,;]", affiliation or ""):
        tokens = WORDS.findall(fold(part.replace("&", " and ")))
        if not tokens or DEPARTMENT_WORDS & set(tokens):
            continue
        significant = frozenset(tokens) - AFFILIATION_NOISE
        if significant:
            return significant
    return frozenset()


def name_words(name: str) -> frozenset[str]:
    return frozenset(WORDS.findall(fold(name or "")))


@dataclass(frozen=True)
class Conflict:
    kind: str  # "author" | "affiliation" | "opposed" | "coauthor"
    text: str

    @property
    def short(self) -> str:
        """The conflict in a few words, in the reader's language (`record` for the audit event)."""
        return str(CONFLICT_SHORT_LABELS[self.kind])

    @property
    def record(self) -> str:
        return CONFLICT_SHORT[self.kind]

    @property
    def blocks(self) -> bool:
        """An author can neither review nor handle the paper; the other conflicts leave the choice to the editor."""
        return self.kind == "author"


@dataclass(frozen=True)
class Person:
    """Whom the check is about: an account, or someone invited by name and address."""

    name: str
    email: str
    user: User | None = None

    @classmethod
    def of(cls, user: User) -> "Person":
        return cls(name=user.full_name, email=user.email, user=user)


class ConflictsFound(DomainError):
    """Held: the people flagged (each a name and their conflicts) need an explicit override with a reason."""

    def __init__(self, message: str, flagged: list[tuple[str, list[Conflict]]], missing: str | None = None):
        super().__init__(message, "override_reason")
        self.flagged = flagged
        self.missing = missing  # "reason" (box ticked, no reason), "box" (reason, box not ticked) or None


def _coauthors(people: Sequence, submission: Submission) -> dict[int, tuple[set[int], set[int]]]:
    """For each person (by position in the list): this paper's contributors they co-authored another paper with,
    and those papers. One query over Contributor rows of other, non-draft submissions."""
    contributors = submission.contributors
    author_emails = {c.email for c in contributors}
    author_ids = {c.user_id for c in contributors if c.user_id}
    ids = {p.user.id for p in people if p.user is not None}
    emails = {normalize_email(p.email) for p in people if p.email}
    if not ids and not emails:
        return {}
    mine, theirs = aliased(Contributor), aliased(Contributor)
    rows = db.session.execute(
        select(mine.user_id, mine.email, theirs.user_id, theirs.email, mine.submission_id)
        .join(theirs, theirs.submission_id == mine.submission_id)
        .join(Submission, Submission.id == mine.submission_id)
        .where(mine.submission_id != submission.id, Submission.status != SubmissionStatus.DRAFT, theirs.id != mine.id,
               or_(mine.user_id.in_(ids), mine.email.in_(emails)),
               or_(theirs.email.in_(author_emails), theirs.user_id.in_(author_ids)))
    ).all()
    positions_by_id, positions_by_email = defaultdict(list), defaultdict(list)
    for position, person in enumerate(people):
        if person.user is not None:
            positions_by_id[person.user.id].append(position)
        positions_by_email[normalize_email(person.email)].append(position)
    found: dict[int, tuple[set[int], set[int]]] = {}
    for my_user_id, my_email, their_user_id, their_email, other_paper in rows:
        coauthors = {c.id for c in contributors
                     if c.email == their_email or (their_user_id and c.user_id == their_user_id)}
        for position in set(positions_by_id.get(my_user_id, [])) | set(positions_by_email.get(my_email, [])):
            coauthored, papers = found.setdefault(position, (set(), set()))
            coauthored |= coauthors
            papers.add(other_paper)
    return found


def conflicts_for(actor: User | None, submission: Submission, people: Sequence, *,
                  sees_authors: bool | None = None) -> list[list[Conflict]]:
    """Each person's conflicts with the paper, in the order given (anything with `name`, `email` and `user`).

    The same number of queries whatever the number of people. The texts name the authors only for an actor who
    may know them."""
    if sees_authors is None:
        sees_authors = can(actor, "submission.see_authors", submission)
    contributors = submission.contributors
    author_emails = {normalize_email(c.email) for c in contributors} | {submission.submitter.email}
    institutions = [(c, institution(c.affiliation)) for c in contributors]
    opposed = [(normalize_email(o.get("email") or ""), name_words(o.get("name") or ""), o.get("reason") or "")
               for o in submission.opposed_reviewers or []]
    coauthored = _coauthors(people, submission)
    by_id = {c.id: c for c in contributors}
    result = []
    for position, person in enumerate(people):
        user, email = person.user, normalize_email(person.email)
        found: list[Conflict] = []
        result.append(found)
        if (user is not None and is_contributor(user, submission)) or email in author_emails:
            found.append(Conflict("author", _("An author of this paper: cannot review it.")))
            continue
        mine = institution(user.affiliation) if user is not None else frozenset()
        sharing = [c for c, theirs in institutions if mine and mine == theirs]
        if sharing:
            found.append(Conflict("affiliation", _(
                "Shares an affiliation with %(authors)s.",
                authors="; ".join(f"{c.full_name} ({c.affiliation})" for c in sharing),
            ) if sees_authors else _("Shares an affiliation with an author of this paper.")))
        name = name_words(person.name)
        addresses = {email} | ({normalize_email(user.email)} if user is not None else set())
        for opposed_email, opposed_name, reason in opposed:
            if (opposed_email and opposed_email in addresses) or (opposed_name and opposed_name == name):
                if sees_authors:
                    text = (_("Opposed by the authors: “%(reason)s”", reason=reason) if reason
                            else _("Opposed by the authors."))
                else:
                    text = _("The authors asked that this person not review the paper.")
                found.append(Conflict("opposed", text))
                break
        if position in coauthored:
            coauthors, papers = coauthored[position]
            if sees_authors:
                names = ", ".join(by_id[i].full_name for i in sorted(coauthors, key=lambda i: by_id[i].position))
                text = ngettext("Co-authored %(num)d other paper in this system with %(names)s.",
                                "Co-authored %(num)d other papers in this system with %(names)s.",
                                len(papers), names=names)
            else:
                text = _("Co-authored another paper in this system with an author of this paper.")
            found.append(Conflict("coauthor", text))
    return result


def conflicts_of(actor: User, submission: Submission, person: Person) -> list[Conflict]:
    """One person's conflicts with the paper."""
    return conflicts_for(actor, submission, [person])[0]


def require_override(flagged: list[tuple[str, list[Conflict]]], *, override: bool, reason: str) -> dict:
    """Go ahead despite conflicts only with the box ticked and a reason given; otherwise hold, saying what is
    missing, with the flags. Returns what the audit event records (nothing when there was no conflict)."""
    flagged = [(name, found) for name, found in flagged if found]
    if not flagged:
        return {}
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if override and reason:
        return {"conflicts_overridden": sorted({c.record for _name, found in flagged for c in found}),
                "override_reason": reason}
    missing = None
    if override:
        message, missing = _("Give your reason for going ahead despite the conflicts of interest."), "reason"
    elif reason:
        message, missing = _("Tick the box to confirm that you go ahead despite the conflicts of interest."), "box"
    else:
        who = "; ".join(f"{name}: {', '.join(c.short for c in found)}" for name, found in flagged)
        message = _("Not done yet, because of a conflict of interest (%(who)s). To go ahead all the same, tick the box "
                    "and give your reason; it is kept in the paper's history.", who=who)
    raise ConflictsFound(message, flagged, missing)
