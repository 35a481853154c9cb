from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_user, logout_user

from journal.extensions import limit_posts
from journal import i18n
from journal.permissions import permission
from journal.services import accounts, sign_ins
from journal.services.errors import DomainError
from journal.web.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from journal.web.helpers import device, safe_next, show_error

bp = Blueprint("auth", __name__)


def auth_limit():
    return current_app.config["AUTH_RATE_LIMIT"]


# Guessing passwords and flooding mailboxes cost a client address dearly; page views are free.
limited = limit_posts(auth_limit)


@bp.route("/register", methods=["GET", "POST"])
@permission("public")
@limited
def register():
    if current_user.is_authenticated:
        flash(_("You are logged in as %(email)s; log out first to create another account.",
                email=current_user.email), "info")
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.register_user(
                email=form.email.data, password=form.password.data, given_name=form.given_name.data,
                family_name=form.family_name.data, affiliation=form.affiliation.data or "",
                country=form.country.data or "", orcid=form.orcid.data, language=i18n.current().code,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            # The same answer whether or not the address had an account: the page tells nobody who has one.
            flash(_("Thank you. We sent a mail to %(email)s: follow its link to confirm your address, then log in "
                    "here.", email=accounts.normalize_email(form.email.data)), "success")
            return redirect(url_for("auth.login"))
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    return render_template("auth/register.html", form=form, password_minimum=minimum)


@bp.route("/login", methods=["GET", "POST"])
@permission("public")
@limited
def login():
    if current_user.is_authenticated:
        return redirect(safe_next("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.log_in(form.email.data, form.password.data, **device())
        except DomainError as error:
            show_error(form, error)
        else:
            login_user(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.given_name), "success")
            return redirect(safe_next("home.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@permission("public")
def logout():
    if current_user.is_authenticated:
        sign_ins.log_out(current_user)
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.home"))


@bp.get("/verify/<token>")
@permission("public")
def verify_email(token: str):
    try:
        user = accounts.verify_email(token)
    except DomainError as error:
        return render_template("auth/message.html", title=_("Confirmation failed"), message=error.message,
                               ok=False), 400
    flash(_("Thank you: %(email)s is confirmed.", email=user.email), "success")
    return redirect(url_for("home.index") if current_user.is_authenticated else url_for("auth.login"))


@bp.post("/verify/resend")
@permission("account")
@limited
def resend_verification():
    try:
        accounts.resend_verification(current_user)
    except DomainError as error:
        flash(error.message, "info")
    else:
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(safe_next("account.profile"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@permission("public")
@limited
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        return render_template("auth/message.html", title=_("Check your mail"), ok=True,
                               message=ngettext("If an account uses %(email)s, a link to set a new password is on "
                                                "its way. It works for %(num)d minute, once.",
                                                "If an account uses %(email)s, a link to set a new password is on "
                                                "its way. It works for %(num)d minutes, once.",
                                                minutes, email=form.email.data))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@permission("public")
@limited
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(token, form.password.data, **device())
        except DomainError as error:
            show_error(form, error)
        else:
            logout_user()
            login_user(user)
            flash(_("Your new password is set; every other device has been logged out."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/reset.html", form=form,
                           password_minimum=current_app.config["PASSWORD_MIN_LENGTH"])
