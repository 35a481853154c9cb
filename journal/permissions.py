"""Who may do what: the one place that answers it.

`can(user, action, obj)` is asked by views (through `permission(...)` and `require(...)`)
and by templates (a Jinja global), so the menu never offers what the server refuses.
Every route is wrapped by `permission`; a test walks the URL map to prove it.
"""

import functools
from collections import defaultdict
from collections.abc import Callable

from flask import abort, g, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, func, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from journal.extensions import db, login_manager
from journal.models import Contributor, Journal, Membership, Role, Submission


def _roles(user) -> dict[int, set[Role]]:
    """The user's roles by journal id, one query per request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cache = g.setdefault("_journal_roles", {}) if has_request_context() else {}
    if user.id not in cache:
        roles: dict[int, set[Role]] = defaultdict(set)
        for journal_id, role in db.session.execute(
            select(Membership.journal_id, Membership.role).where(Membership.user_id == user.id)
        ):
            roles[journal_id].add(role)
        cache[user.id] = dict(roles)
    return cache[user.id]


def forget_roles() -> None:
    """Drop the per-request cache after a membership changed."""
    if has_request_context():
        g.pop("_journal_roles", None)


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _admin(user) -> bool:
    return _authenticated(user) and user.is_platform_admin


def has_role(user, journal: Journal | int, *roles: Role) -> bool:
    journal_id = journal if isinstance(journal, int) else journal.id
    return bool(_roles(user).get(journal_id, set()) & set(roles))


def _any_role(user, *roles: Role) -> bool:
    return any(r & set(roles) for r in _roles(user).values())


def _manages(user, journal: Journal) -> bool:
    return _admin(user) or has_role(user, journal, Role.MANAGING_EDITOR)


def _edits(user, journal: Journal) -> bool:
    return has_role(user, journal, Role.MANAGING_EDITOR, Role.EDITOR)


def is_contributor(user, submission: Submission) -> bool:
    """An author of the paper: its submitter, a listed author linked to this account, or a listed author whose
    address is the account's (in any case). Whatever their roles, such a person never reaches the paper's
    editorial, production or review-handling side, nor hears of it as an editor. `contributor_condition` is the
    same rule in SQL."""
    if not _authenticated(user):
        return False
    if submission.submitter_id == user.id:
        return True
    email = (user.email or "").strip().lower()
    return any(c.user_id == user.id or (c.email or "").strip().lower() == email for c in submission.contributors)


def contributor_condition(user_id, email) -> ColumnElement[bool]:
    """`is_contributor` over `submissions`, for lists built in one query. `user_id` and `email` are values or bind
    parameters. Listed authors' addresses are stored in lower case (a CHECK constraint), so the indexed column is
    compared with the address lowered. The account's papers are found once, by index, and each row is tested by its
    id alone: a queue count then still reads only its index."""
    submitted = aliased(Submission)
    papers = union(
        select(Contributor.submission_id).where(
            or_(Contributor.user_id == user_id, Contributor.email == func.lower(email))),
        select(submitted.id).where(submitted.submitter_id == user_id))
    return Submission.id.in_(papers)


def without_contributors(users, submission: Submission) -> list:
    """The given people except the paper's own authors (`is_contributor`)."""
    return [u for u in users if not is_contributor(u, submission)]


def _linked_author(user, submission: Submission) -> bool:
    """The author pages' rule: the submitter and the co-authors whose rows are linked to their accounts."""
    return submission.submitter_id == user.id or any(c.user_id == user.id for c in submission.contributors)


def _decides(user, submission: Submission) -> bool:
    """The handling editor or a managing editor, never one of the paper's own authors."""
    if not _authenticated(user) or is_contributor(user, submission):
        return False
    if has_role(user, submission.journal_id, Role.MANAGING_EDITOR):
        return True
    return submission.handling_editor_id == user.id and has_role(user, submission.journal_id, Role.EDITOR)


def _takes_decisions(user, submission: Submission) -> bool:
    """Final decisions (accept, revise, reject): managing editors, and the handling editor unless the
    journal makes its editors recommend-only."""
    if not _decides(user, submission):
        return False
    return not submission.journal.editors_recommend_only or has_role(user, submission.journal_id,
                                                                     Role.MANAGING_EDITOR)


def _recommends(user, submission: Submission) -> bool:
    """In a recommend-only journal, the handling editor records a recommendation instead of deciding."""
    return (_decides(user, submission) and submission.journal.editors_recommend_only
            and not has_role(user, submission.journal_id, Role.MANAGING_EDITOR))


def _sees_submission(user, submission: Submission) -> bool:
    if not _authenticated(user):
        return False
    if _linked_author(user, submission):
        return True
    return _edits(user, submission.journal)


def _edits_submission(user, submission: Submission) -> bool:
    """The paper's editorial side: the journal's editors and managing editors, never one of its own authors."""
    return _authenticated(user) and _edits(user, submission.journal) and not is_contributor(user, submission)


def _sees_authors(user, submission: Submission) -> bool:
    """Who wrote the paper: hidden from reviewers by the journal's mode, and in triple-anonymous
    journals from the handling editors too (managing editors always see it)."""
    if not _authenticated(user):
        return False
    if is_contributor(user, submission) or has_role(user, submission.journal_id, Role.MANAGING_EDITOR):
        return True
    from journal.models import ReviewMode

    return submission.journal.review_mode is not ReviewMode.TRIPLE_ANONYMOUS and _edits(user, submission.journal)


def _answers_proofs(user, submission: Submission) -> bool:
    return submission.submitter_id == user.id or any(c.is_corresponding and c.user_id == user.id
                                                     for c in submission.contributors)


RULES: dict[str, Callable] = {
    # Anyone, logged in or not.
    "public": lambda user, obj: True,
    # One's own account, submissions and review invitations.
    "account": lambda user, obj: _authenticated(user),
    "admin": lambda user, obj: _admin(user),
    "journal.manage": lambda user, obj: _manages(user, obj),
    "journal.editorial": lambda user, obj: _edits(user, obj),
    "journal.review": lambda user, obj: has_role(user, obj, Role.REVIEWER),
    # How the journal is doing (journal/services/statistics.py): its editors; the figures per handling editor,
    # which name and compare them, only its managing editors.
    "journal.statistics": lambda user, obj: _edits(user, obj),
    "journal.statistics_by_editor": lambda user, obj: has_role(user, obj, Role.MANAGING_EDITOR),
    # What readers read (journal/services/usage.py): the monthly usage report, per journal and per article.
    "journal.usage": lambda user, obj: has_role(user, obj, Role.MANAGING_EDITOR),
    "journal.submit": lambda user, obj: _authenticated(user) and obj.accepting_submissions,
    # Authors (the author pages' rule) and the journal's editors: who may know of the paper at all.
    "submission.view": lambda user, obj: _sees_submission(user, obj),
    # The paper's editorial side (its page, files, reviewers, reviews): the journal's editors, never its authors.
    "submission.editorial": lambda user, obj: _edits_submission(user, obj),
    # The author pages: the submitter and the co-authors linked to their accounts, never the editors
    # (in triple-anonymous journals the handling editor must not see who wrote the paper).
    "submission.contributor": lambda user, obj: _authenticated(user) and _linked_author(user, obj),
    # The submitter edits drafts and revisions, submits, withdraws; co-authors only read.
    "submission.author": lambda user, obj: _authenticated(user) and obj.submitter_id == user.id,
    # Handles the paper: screening, reviewers, letters. The handling editor or a managing editor.
    "submission.decide": lambda user, obj: _decides(user, obj),
    # Takes the final decision (accept, revise, reject, reject without review).
    "submission.final_decision": lambda user, obj: _takes_decisions(user, obj),
    # Recommends a decision that a managing editor confirms or changes (recommend-only journals).
    "submission.recommend": lambda user, obj: _recommends(user, obj),
    "submission.see_authors": lambda user, obj: _sees_authors(user, obj),
    "submission.produce": lambda user, obj: has_role(user, obj.journal_id, Role.MANAGING_EDITOR)
    and not is_contributor(user, obj),
    # Production and issues (journal/services/production.py, proofs.py, issues.py): the managing editors, never on
    # their own paper. The journal's production area, its issues, and one article in production.
    "journal.production": lambda user, obj: has_role(user, obj, Role.MANAGING_EDITOR),
    "issue.manage": lambda user, obj: has_role(user, obj.journal_id, Role.MANAGING_EDITOR),
    "article.produce": lambda user, obj: RULES["submission.produce"](user, obj.submission),
    # Approves the proofs or sends corrections: the corresponding author or the submitter.
    "submission.proofs": lambda user, obj: _authenticated(user) and _answers_proofs(user, obj),
    # The reviewer's own assignment (its review page); anyone else gets 404.
    "assignment.review": lambda user, obj: _authenticated(user) and obj.reviewer_id == user.id,
    # Menu entries: shown when the user may use at least one journal's page behind them.
    "menu.editorial": lambda user, obj: _any_role(user, Role.MANAGING_EDITOR, Role.EDITOR),
    "menu.review": lambda user, obj: _any_role(user, Role.REVIEWER),
    "menu.production": lambda user, obj: _any_role(user, Role.MANAGING_EDITOR),
    "menu.manage": lambda user, obj: _admin(user) or _any_role(user, Role.MANAGING_EDITOR),
}


def can(user, action: str, obj=None) -> bool:
    try:
        rule = RULES[action]
    except KeyError:
        raise KeyError(f"unknown permission action {action!r}") from None
    if user is not None and _authenticated(user) and not user.is_active:
        return action == "public"
    return bool(rule(user, obj))


def deny(*, hide: bool = False):
    """401 (to the login page) for visitors, else 403, or 404 where existence must not leak."""
    if not _authenticated(current_user):
        return login_manager.unauthorized()
    abort(404 if hide else 403)


def require(action: str, obj=None, *, hide: bool = False) -> None:
    """For checks inside a view, after it loaded a further object."""
    if not can(current_user, action, obj):
        response = deny(hide=hide)
        abort(response)


def permission(action: str, *, load: Callable[[dict], object] | None = None, hide: bool = False):
    """Guard a view. `load` takes the URL arguments (popping those it uses) and returns the
    object the rule is about (aborting 404 when there is none); the view receives it first."""
    RULES[action]  # an unknown action fails at import time, not at request time

    def decorator(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if action == "public":
                # Everyone may, whoever they are (an inactive account too: `can`): the reader's user is not loaded.
                return view(load(kwargs), *args, **kwargs) if load else view(*args, **kwargs)
            if not can(current_user, "account"):
                abort(deny())  # visitors log in first: whether the object exists is not theirs to learn
            obj = load(kwargs) if load else None
            require(action, obj, hide=hide)
            return view(obj, *args, **kwargs) if load else view(*args, **kwargs)

        guarded.permission_action = action
        return guarded

    return decorator


def journal_from_slug(kwargs: dict, *options) -> Journal:
    slug = kwargs.pop("slug")
    journal = db.session.scalar(select(Journal).where(Journal.slug == slug).options(*options))
    if journal is None:
        abort(404, description=_("There is no journal at “%(slug)s”. The journals of this site are listed on the "
                                 "home page.", slug=slug))
    g.journal = journal  # the page's language is chosen within what this journal offers (journal/i18n.py)
    return journal


def journal_with_sections_from_slug(kwargs: dict) -> Journal:
    """`journal_from_slug` for a page that lists the journal's sections: they come in the same statement."""
    return journal_from_slug(kwargs, joinedload(Journal.sections))


def template_globals() -> dict:
    return {"can": lambda action, obj=None: can(current_user, action, obj)}
