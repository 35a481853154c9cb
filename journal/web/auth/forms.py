from flask_babel import lazy_gettext as _l
from flask_login import current_user
from journal.web.forms import WebForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from journal.scholarly.identifiers import normalize_orcid
from journal.services.accounts import check_password_strength
from journal.services.errors import DomainError
from journal.web.choices import countries


def strong_password(form, field):
    """The service's password rule, checked with the other fields so that every error shows at once. The
    address it is checked against: the form's email field, else the form's `account_email` (an account being
    made for an address the form does not ask), else the signed-in person's."""
    email = (form.email.data if "email" in form
             else getattr(form, "account_email", None) or getattr(current_user, "email", ""))
    try:
        check_password_strength(field.data or "", email or "")
    except DomainError as error:
        raise ValidationError(error.message) from None


def valid_orcid(form, field):
    try:
        normalize_orcid(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None

PASSWORDS_DIFFER = _l("The two passwords differ.")

EMAIL = [InputRequired(_l("Please give your email address.")),
         Email(_l("This does not look like an email address."), check_deliverability=False), Length(max=254)]


class PersonForm(WebForm):
    """What every new account gives, with a password or through ORCID (templates/macros/account.html)."""

    given_name = StringField(_l("Given name"), [InputRequired(_l("Please give your given name.")), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    family_name = StringField(_l("Family name"), [InputRequired(_l("Please give your family name.")), Length(max=100)],
                              render_kw={"autocomplete": "family-name"})
    email = EmailField(_l("Email address"), EMAIL, render_kw={"autocomplete": "email"})
    affiliation = StringField(_l("Affiliation"), [Optional(), Length(max=255)],
                              render_kw={"autocomplete": "organization"})
    country = SelectField(_l("Country"), choices=countries, validate_choice=True,
                          render_kw={"autocomplete": "country"})


class RegisterForm(PersonForm):
    password = PasswordField(_l("Password"), [InputRequired(_l("Please choose a password.")), strong_password],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"), [InputRequired(_l("Please repeat the password.")),
                                                    EqualTo("password", PASSWORDS_DIFFER)],
                            render_kw={"autocomplete": "new-password"})
    orcid = StringField(_l("ORCID iD"), [Optional(), Length(max=60), valid_orcid],
                        render_kw={"placeholder": "0000-0002-1825-0097"})


class LoginForm(WebForm):
    email = EmailField(_l("Email address"), EMAIL, render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), [InputRequired(_l("Please give your password."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))


class ForgotPasswordForm(WebForm):
    email = EmailField(_l("Email address"), EMAIL, render_kw={"autocomplete": "email"})


class ResetPasswordForm(WebForm):
    password = PasswordField(_l("New password"), [InputRequired(_l("Please choose a password.")), strong_password],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), [InputRequired(_l("Please repeat the password.")),
                                                        EqualTo("password", PASSWORDS_DIFFER)],
                            render_kw={"autocomplete": "new-password"})
