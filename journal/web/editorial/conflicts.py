"""Held for a conflict of interest: the page that shows the flags and asks for the explicit override with a reason,
for every way of inviting a reviewer and for the choice of a handling editor. It posts back to the action the
editor came from, with everything they typed or chose kept."""

from flask import render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from journal.models import Journal, Submission
from journal.services.conflicts import REASON_MAX, Conflict, ConflictsFound
from journal.web.forms import WebForm

# Not carried over as hidden inputs: a fresh token, and the override the page asks for again.
NOT_KEPT = frozenset({"csrf_token", "override", "override_reason"})


class OverrideForm(WebForm):
    override = BooleanField(_l("Go ahead despite the conflicts of interest"))
    override_reason = TextAreaField(_l("Your reason, kept in the paper's history"),
                                    validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 3, "maxlength": REASON_MAX})


def conflict_label(name: str, found: list[Conflict]) -> str:
    """A choice in a list, with its conflicts: “Colin Colleague — conflict: shares an affiliation with an author”."""
    return _("%(name)s — conflict: %(conflicts)s", name=name, conflicts="; ".join(c.short for c in found)) \
        if found else name


def held_page(held: ConflictsFound, *, journal: Journal, submission: Submission, action: str, heading: str,
              summary: str, back_url: str, button: str):
    """The flags, what was asked (kept as hidden inputs), the override box and the reason, posting to `action`."""
    form = OverrideForm()
    if held.missing == "reason":  # the box ticked without a reason: the message goes beside the reason
        form.override_reason.errors = [held.message]
    kept = [(name, value) for name, value in request.form.items(multi=True) if name not in NOT_KEPT]
    return render_template("editorial/conflicts_held.html", journal=journal, submission=submission, held=held,
                           form=form, kept=kept, action=action, heading=heading, summary=summary,
                           back_url=back_url, button=button)
