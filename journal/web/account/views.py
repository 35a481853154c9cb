import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, logout_user

from journal.audit import history
from journal.certificates import review_certificate
from journal.jobs import jobs
from journal.models import utcnow
from journal.permissions import permission
from journal.services import accounts, api_tokens, credit, orcid_credit, sign_ins
from journal.services import invitations as invitation_service
from journal.services import orcid as orcid_service
from journal.services.errors import DomainError, NotFound
from journal.web.account.forms import ApiTokenForm, ChangePasswordForm, ProfileForm
from journal.web.helpers import show_error

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/profile", methods=["GET", "POST"])
@permission("account")
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.expertise_keywords.data = ", ".join(current_user.expertise_keywords or [])
    if form.validate_on_submit():
        # An iD authenticated through ORCID is not in the form: it changes only by unlinking it.
        names = [name for name in accounts.PROFILE_FIELDS
                 if not (name == "orcid" and current_user.orcid_authenticated_at)]
        try:
            changed = accounts.update_profile(
                current_user, current_user, email=form.email.data,
                **{name: getattr(form, name).data or "" for name in names},
            )
        except DomainError as error:
            show_error(form, error)
        else:
            if "email" in changed:
                flash(_("Profile saved. We sent a link to %(email)s to confirm the new address.",
                        email=current_user.email), "success")
            else:
                flash(_("Profile saved.") if changed else _("Nothing had changed."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form, sends_to_orcid=orcid_credit.sends_to_orcid(),
                           may_update_orcid=orcid_service.update_token(current_user) is not None)


@bp.route("/password", methods=["GET", "POST"])
@permission("account")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Your password is changed; every other device has been logged out."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form,
                           password_minimum=current_app.config["PASSWORD_MIN_LENGTH"])


@bp.get("/sessions")
@permission("account")
def sessions():
    return render_template("account/sessions.html", sign_ins=sign_ins.active_sign_ins(current_user),
                           this_device=current_user.sign_in)


@bp.post("/sessions/<int:sign_in_id>/end")
@permission("account")
def end_session(sign_in_id: int):
    try:
        ended = sign_ins.end_sign_in(current_user, sign_in_id)
    except NotFound as error:
        flash(error.message, "info")
        return redirect(url_for("account.sessions"))
    if ended.id == current_user.sign_in.id:
        logout_user()
        flash(_("You are logged out on this device."), "success")
        return redirect(url_for("auth.login"))
    flash(_("%(device)s is signed out.", device=ended.device), "success")
    return redirect(url_for("account.sessions"))


@bp.post("/sessions/end-others")
@permission("account")
def end_other_sessions():
    count = sign_ins.end_other_sign_ins(current_user)
    flash(ngettext("Signed out on %(num)d other device; this one stays logged in.",
                   "Signed out on %(num)d other devices; this one stays logged in.", count)
          if count else _("No other device was logged in."), "success")
    return redirect(url_for("account.sessions"))


@bp.post("/sessions/end-all")
@permission("account")
def end_all_sessions():
    sign_ins.end_all_sign_ins(current_user)
    logout_user()
    flash(_("You are logged out everywhere, on this device too."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/tokens", methods=["GET", "POST"])
@permission("account")
def api_tokens_page():
    """Personal access tokens for the JSON API: made here (the secret shown once, on this answer only), listed,
    revoked."""
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = api_tokens.create_token(current_user, name=form.name.data, scope=form.scope.data,
                                                     days=form.days.data)
        except DomainError as error:
            show_error(form, error)
        else:
            form = ApiTokenForm(formdata=None)
    response = current_app.make_response(render_template(
        "account/api_tokens.html", form=form, secret=secret, tokens=api_tokens.tokens_of(current_user), now=utcnow()))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
@permission("account")
def revoke_api_token(token_id: int):
    try:
        token = api_tokens.revoke_token(current_user, token_id)
    except NotFound as error:
        flash(error.message, "info")
    else:
        flash(_("The token “%(name)s” is revoked; requests with it are refused from now on.", name=token.name),
              "success")
    return redirect(url_for("account.api_tokens_page"))


@bp.get("/activity")
@permission("account")
def activity():
    return render_template("account/activity.html", events=list(reversed(history(current_user, limit=100))))


# --- Review credit: the user's own completed reviews and their certificates -------------------------------------

@bp.get("/reviews")
@permission("account")
def reviews():
    groups = credit.credit_by_journal_and_year(current_user)
    return render_template("account/reviews.html", groups=groups, total=sum(g.count for g in groups),
                           orcid_credits=orcid_credit.credits_of(current_user),
                           sends_to_orcid=orcid_credit.sends_to_orcid(),
                           may_update_orcid=orcid_service.update_token(current_user) is not None)


def _certificate_response(group: credit.CreditGroup, filename: str):
    body = review_certificate(current_user, group, issued=utcnow().date())
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/reviews/certificates/<slug>/<int:year>")
@permission("account")
def review_certificate_for_year(slug: str, year: int):
    """Only the logged-in reviewer's own reviews: the URL names no person, so nobody else's can be asked for."""
    try:
        group = credit.credit_for_certificate(current_user, slug, year)
    except NotFound:
        abort(404)
    return _certificate_response(group, f"review-certificate-{group.journal.slug}-{year}.pdf")


def _own_assignment(kwargs: dict):
    try:
        return invitation_service.get_assignment(kwargs.pop("assignment_id"))
    except NotFound:
        abort(404)


@bp.get("/reviews/<int:assignment_id>/certificate")
@permission("assignment.review", load=_own_assignment, hide=True)
def review_certificate_for_review(assignment):
    try:
        group = credit.credit_for_review(current_user, assignment)
    except NotFound:
        abort(404)
    return _certificate_response(group, f"review-certificate-{group.journal.slug}-{assignment.id}.pdf")


# --- Review credit on ORCID: the reviewer's agreement per review, and the record as a file ---------------------

@bp.post("/reviews/<int:assignment_id>/orcid")
@permission("assignment.review", load=_own_assignment, hide=True)
def review_orcid(assignment):
    """Agree to have the review added to one's ORCID record, or withdraw (`action`), until it was sent."""
    try:
        if request.form.get("action") == "withdraw":
            orcid_credit.withdraw(current_user, assignment)
            flash(_("This review will not be added to your ORCID record."), "success")
        else:
            credit_row = orcid_credit.agree(current_user, assignment)
            jobs().send("send_orcid_review", credit_id=credit_row.id)
            flash(_("Thank you: this review is being added to your ORCID record."), "success")
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for("account.reviews", _anchor=f"review-{assignment.id}"))


@bp.get("/reviews/<int:assignment_id>/orcid.json")
@permission("assignment.review", load=_own_assignment, hide=True)
def review_orcid_record(assignment):
    """The review's ORCID peer-review record as JSON, for the reviewer to keep or hand on."""
    try:
        record = orcid_credit.record_for(orcid_credit.own_completed(current_user, assignment))
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("account.reviews"))
    response = current_app.response_class(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                          mimetype="application/vnd.orcid+json")
    response.headers["Content-Disposition"] = f'attachment; filename="orcid-peer-review-{assignment.id}.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
