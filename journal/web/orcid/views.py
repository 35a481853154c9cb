"""The ORCID routes (journal/orcid.py): the trips to ORCID start with a POST (this site's CSRF token, the auth rate
limit) and come back to one callback, which does what the trip was for. Unconfigured, every route answers 404."""

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from journal import i18n, orcid
from journal.mail import external_url
from journal.permissions import permission
from journal.services import orcid as service
from journal.services.errors import DomainError, NotFound
from journal.services.submissions import contributor_for_token
from journal.web.auth.views import limited
from journal.web.helpers import device, show_error
from journal.web.orcid.forms import OrcidSignUpForm

bp = Blueprint("orcid", __name__)

SIGN_UP = "orcid_sign_up"  # session key: the proved iD (and names) waiting for the sign-up form
SIGN_UP_SECONDS = 30 * 60


@bp.before_request
def only_when_configured():
    if not orcid.configured():
        abort(404)


def _go_to_orcid(purpose: str, subject: str = ""):
    try:
        return redirect(orcid.begin(purpose, subject, redirect_uri=external_url("orcid.callback")))
    except orcid.OrcidUnreachable:
        return render_template("auth/message.html", title=_("ORCID sign-in failed"), ok=False,
                               message=_("ORCID cannot be reached at the moment. Please try again in a few "
                                         "minutes.")), 503


@bp.post("/orcid/sign-in")
@permission("public")
@limited
def sign_in():
    """Sign in, or sign up when no account has the iD: the same button."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return _go_to_orcid("sign_in")


@bp.post("/account/orcid/link")
@permission("account")
@limited
def link():
    return _go_to_orcid("link", str(current_user.id))


@bp.post("/account/orcid/unlink")
@permission("account")
@limited
def unlink():
    try:
        removed = service.unlink(current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The ORCID iD %(orcid)s is no longer linked to your account.", orcid=removed), "success")
    return redirect(url_for("account.profile"))


def _contributor_or_404(token: str):
    try:
        return contributor_for_token(token)
    except NotFound:
        abort(404)


@bp.route("/contributors/orcid/<token>", methods=["GET", "POST"])
@permission("public")  # the signed token in the co-author's mail is the permission
@limited
def contributor(token: str):
    """A listed co-author authenticates their iD for the paper, from the link in their mail."""
    listed = _contributor_or_404(token)
    if request.method == "POST":
        return _go_to_orcid("contributor", token)
    return render_template("orcid/contributor.html", contributor=listed, submission=listed.submission,
                           journal=listed.submission.journal, token=token)


# ORCID sends the person back here with a GET: not rate limited (reads are not: journal/extensions.py), and nothing
# is asked of ORCID unless the state is one this session started and has not used.
@bp.get("/orcid/callback")
@permission("public")
def callback():
    try:
        answer = orcid.finish(request.args)
    except orcid.OrcidError as error:
        return _refused(error)
    if answer.purpose == "sign_in":
        return _signed_in(answer)
    if answer.purpose == "link":
        if not current_user.is_authenticated or str(current_user.id) != answer.subject:
            return _refused(orcid.OrcidError("linking started by another account"))
        try:
            linked = service.link(current_user, answer.orcid, grant=answer.grant)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Your ORCID iD is linked and authenticated.") if linked
                  else _("This ORCID iD was linked to your account already."), "success")
        return redirect(url_for("account.profile"))
    try:
        service.authenticate_contributor(answer.subject, answer.orcid)
    except NotFound:
        abort(404)
    flash(_("Thank you: your ORCID iD is authenticated for this paper."), "success")
    return redirect(url_for("orcid.contributor", token=answer.subject))


def _refused(error: "orcid.OrcidError"):
    if error.denied:
        flash(_("You did not allow this site to read your ORCID iD at ORCID, so nothing has changed."), "info")
        return redirect(url_for("account.profile") if current_user.is_authenticated else url_for("auth.login"))
    return render_template("auth/message.html", title=_("ORCID sign-in failed"), ok=False,
                           message=_("The answer from ORCID could not be checked, or it had been used already. "
                                     "Nothing has changed: please start again from the ORCID button.")), 400


def _signed_in(answer: "orcid.OrcidAnswer"):
    try:
        user = service.sign_in(answer.orcid, grant=answer.grant, **device())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.login"))
    if user is not None:
        login_user(user)
        flash(_("Welcome back, %(name)s.", name=user.given_name), "success")
        return redirect(url_for("home.index"))
    # The permission to add to the record rides along sealed (journal/orcid.py seal): the cookie never shows it.
    grant = answer.grant
    session[SIGN_UP] = {"orcid": answer.orcid, "given_name": answer.given_name, "family_name": answer.family_name,
                        "email": answer.email, "at": int(time.time()),
                        "grant": [grant.sealed_token, grant.scope, grant.expires_in] if grant else None}
    return redirect(url_for("orcid.sign_up"))


@bp.route("/orcid/sign-up", methods=["GET", "POST"])
@permission("public")
@limited
def sign_up():
    """An account for a proved iD that no account has: what ORCID did not give is asked here."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    pending = session.get(SIGN_UP)
    if not pending or time.time() - pending["at"] > SIGN_UP_SECONDS:
        session.pop(SIGN_UP, None)
        flash(_("Please sign in with ORCID first."), "info")
        return redirect(url_for("auth.login"))
    form = OrcidSignUpForm(data={name: pending.get(name) or "" for name in ("given_name", "family_name", "email")}
                           if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.sign_up(pending["orcid"], email=form.email.data, given_name=form.given_name.data,
                            family_name=form.family_name.data, affiliation=form.affiliation.data or "",
                            country=form.country.data or "", language=i18n.current().code,
                            grant=orcid.Grant(*pending["grant"]) if pending.get("grant") else None)
        except DomainError as error:
            show_error(form, error)
        else:
            session.pop(SIGN_UP, None)
            # The answer registering gives, whether or not the address had an account: it tells nobody who has one.
            flash(_("Thank you. We sent a mail to %(email)s: follow its link to confirm your address, then sign in "
                    "with ORCID here.", email=form.email.data.strip().lower()), "success")
            return redirect(url_for("auth.login"))
    return render_template("orcid/sign_up.html", form=form, orcid_id=pending["orcid"])
