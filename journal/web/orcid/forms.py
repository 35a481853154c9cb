from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from journal.web.auth.forms import EMAIL
from journal.web.choices import countries
from journal.web.forms import WebForm


class OrcidSignUpForm(WebForm):
    """What a new account needs that ORCID does not give: an address always, the names when the record hides them."""

    given_name = StringField(_l("Given name"), [InputRequired(_l("Please give your given name.")), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    family_name = StringField(_l("Family name"), [InputRequired(_l("Please give your family name.")), Length(max=100)],
                              render_kw={"autocomplete": "family-name"})
    email = EmailField(_l("Email address"), EMAIL, render_kw={"autocomplete": "email"})
    affiliation = StringField(_l("Affiliation"), [Optional(), Length(max=255)],
                              render_kw={"autocomplete": "organization"})
    country = SelectField(_l("Country"), choices=countries, validate_choice=True,
                          render_kw={"autocomplete": "country"})
