from flask_babel import gettext, lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from journal.web.auth.forms import EMAIL, strong_password, valid_orcid
from journal.web.choices import countries, languages, timezones
from journal.web.forms import WebForm


class ProfileForm(WebForm):
    given_name = StringField(_l("Given name"), [InputRequired(_l("Please give your given name.")), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    family_name = StringField(_l("Family name"), [InputRequired(_l("Please give your family name.")), Length(max=100)],
                              render_kw={"autocomplete": "family-name"})
    email = EmailField(_l("Email address"), EMAIL, render_kw={"autocomplete": "email"})
    affiliation = StringField(_l("Affiliation"), [Optional(), Length(max=255)], render_kw={"autocomplete": "organization"})
    country = SelectField(_l("Country"), choices=countries, render_kw={"autocomplete": "country"})
    orcid = StringField(_l("ORCID iD"), [Optional(), Length(max=60), valid_orcid], render_kw={"placeholder": "0000-0002-1825-0097"})
    expertise_keywords = StringField(_l("Expertise keywords"), [Optional(), Length(max=1500)])
    biography = TextAreaField(_l("Short biography"), [Optional(), Length(max=3000)], render_kw={"rows": 4})
    timezone = SelectField(_l("Time zone"), choices=timezones())
    language = SelectField(_l("Language of pages and mails"), choices=lambda: languages(gettext("As my browser asks")),
                           coerce=lambda value: value or "", default="", validate_choice=False)


class ChangePasswordForm(WebForm):
    current_password = PasswordField(_l("Current password"), [InputRequired(_l("Please give your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), [InputRequired(_l("Please choose a new password.")), strong_password],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), [InputRequired(_l("Please repeat the new password.")),
                                                        EqualTo("password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ApiTokenForm(WebForm):
    """A personal access token for the JSON API (journal/services/api_tokens.py)."""

    name = StringField(_l("Name"), [InputRequired(_l("Please give the token a name.")), Length(max=100)],
                       render_kw={"placeholder": _l("For example: my reference manager")})
    scope = SelectField(_l("What it may do"), choices=[("read", _l("Read only")),
                                                      ("write", _l("Read and write"))], default="read")
    days = SelectField(_l("Expires after"), coerce=int, default=90,
                       choices=[(7, _l("7 days")), (30, _l("30 days")), (90, _l("90 days")), (365, _l("1 year"))])
