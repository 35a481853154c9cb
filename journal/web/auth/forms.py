from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from journal.web.choices import countries

EMAIL = [InputRequired("Please give your email address."),
         Email("This does not look like an email address.", check_deliverability=False), Length(max=254)]


class RegisterForm(FlaskForm):
    given_name = StringField("Given name", [InputRequired("Please give your given name."), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    family_name = StringField("Family name", [InputRequired("Please give your family name."), Length(max=100)],
                              render_kw={"autocomplete": "family-name"})
    email = EmailField("Email address", EMAIL, render_kw={"autocomplete": "email"})
    password = PasswordField("Password", [InputRequired("Please choose a password.")],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the password", [InputRequired("Please repeat the password."),
                                                    EqualTo("password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
    affiliation = StringField("Affiliation", [Optional(), Length(max=255)],
                              render_kw={"autocomplete": "organization"})
    country = SelectField("Country", choices=countries(), validate_choice=True,
                          render_kw={"autocomplete": "country"})
    orcid = StringField("ORCID iD", [Optional(), Length(max=60)], render_kw={"placeholder": "0000-0002-1825-0097"})


class LoginForm(FlaskForm):
    email = EmailField("Email address", EMAIL, render_kw={"autocomplete": "username"})
    password = PasswordField("Password", [InputRequired("Please give your password.")],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me logged in on this device")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email address", EMAIL, render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", [InputRequired("Please choose a password.")],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password", [InputRequired("Please repeat the password."),
                                                        EqualTo("password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
