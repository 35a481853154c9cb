from journal.web.auth.forms import PersonForm


class OrcidSignUpForm(PersonForm):
    """What a new account needs that ORCID does not give: an address always, the names when the record hides them;
    no password (the account signs in with ORCID)."""
