"""The author's forms: the wizard's steps, files, revision, withdrawal, objection.

Forms only check what a person can fix in the field itself (required, length, a file chosen);
whether the submission is complete is the service's rule (missing_items).
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from journal.web.forms import WebForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, \
    StringField, SubmitField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from journal.models import Journal, Submission
from journal.web.choices import countries, languages, select_choices

LANGUAGE_NAMES = {
    "en": _l("English"), "zh": _l("Chinese"), "fr": _l("French"), "de": _l("German"), "it": _l("Italian"),
    "ja": _l("Japanese"), "pt": _l("Portuguese"), "ru": _l("Russian"), "es": _l("Spanish"),
}
LANGUAGES = select_choices(LANGUAGE_NAMES.items())


class StartForm(WebForm):
    section_id = RadioField(_l("Section (article type)"), coerce=int, validate_choice=False,  # the service checks it
                            validators=[InputRequired(_l("Choose the section your paper belongs to."))])


def start_form(journal: Journal, submission: Submission | None = None) -> StartForm:
    """Step 1 for this journal: its open sections, and one required tick per checklist statement."""

    class JournalStartForm(StartForm):
        pass

    checklist = journal.submission_checklist or []
    for index, statement in enumerate(checklist):
        setattr(JournalStartForm, f"check_{index}", BooleanField(
            statement, [InputRequired(_l("Please confirm this statement; the journal asks each author to."))]))
    data = {}
    if submission is not None:
        ticked = submission.checklist_confirmed_at is not None
        data = {"section_id": submission.section_id, **{f"check_{i}": ticked for i in range(len(checklist))}}
    form = JournalStartForm(data=data)
    form.section_id.choices = select_choices((s.id, s.title) for s in journal.sections if s.active)
    return form


def checklist_fields(form: StartForm) -> list:
    return [f for name, f in form._fields.items() if name.startswith("check_")]


def checklist_ticked(form: StartForm) -> bool:
    return all(f.data for f in checklist_fields(form))


class MetadataForm(WebForm):
    title = StringField(_l("Title"), [Optional(), Length(max=500, message=_l("Please keep the title under 500 characters."))])
    abstract = TextAreaField(_l("Abstract"), [Optional(), Length(max=10000, message=_l("Please keep the abstract under "
                                                                                "10,000 characters."))],
                             render_kw={"rows": 10})
    keywords = StringField(_l("Keywords"), [Optional(), Length(max=1000)])
    language = SelectField(_l("Language of the manuscript"), choices=LANGUAGES, default="en")
    # The same in a second language (many journals of the field ask for Chinese and English); checked by the
    # service (services/translations.py), which names the field in its error.
    translated_language = SelectField(_l("Second language"),
                                      choices=select_choices([("", _l("None")), *LANGUAGE_NAMES.items()]),
                                      default="", validate_choice=False)
    translated_title = StringField(_l("Title in the second language"), [Optional(), Length(max=500)])
    translated_abstract = TextAreaField(_l("Abstract in the second language"), [Optional(), Length(max=10000)],
                                        render_kw={"rows": 8})
    translated_keywords = StringField(_l("Keywords in the second language"), [Optional(), Length(max=1000)])


class ContributorForm(WebForm):
    given_name = StringField(_l("Given name"), [InputRequired(_l("Give the author's given name.")), Length(max=100)])
    family_name = StringField(_l("Family name"), [InputRequired(_l("Give the author's family name.")), Length(max=100)])
    email = EmailField(_l("Email address"), [InputRequired(_l("Give the author's email address.")),
                                         Email(_l("This does not look like an email address."),
                                               check_deliverability=False), Length(max=254)])
    affiliation = StringField(_l("Affiliation"), [Optional(), Length(max=255)])
    country = SelectField(_l("Country"), choices=countries, default="")
    orcid = StringField(_l("ORCID iD"), [Optional(), Length(max=40)], render_kw={"placeholder": "0000-0002-1825-0097"})
    native_name = StringField(_l("Name in the author's own script"), [Optional(), Length(max=200)],
                              render_kw={"placeholder": "李伟"})
    translated_affiliation = StringField(_l("Affiliation in the second language"), [Optional(), Length(max=255)])
    mail_language = SelectField(_l("Language of mails to this author"), default="", validate_choice=False,
                                choices=lambda: languages(gettext("As the journal writes")))

    def values(self) -> dict:
        return {name: self[name].data or "" for name in
                ("given_name", "family_name", "email", "affiliation", "country", "orcid", "native_name",
                 "translated_affiliation", "mail_language")}

    def has_input(self) -> bool:
        """Anything typed into the author fields (the country alone is not an author)."""
        return any((self[name].data or "").strip() for name in
                   ("given_name", "family_name", "email", "affiliation", "orcid"))


class ManuscriptForm(WebForm):
    manuscript = FileField(_l("Manuscript (PDF, or LaTeX source as .zip or .tar.gz)"),
                           [FileRequired(_l("Choose the PDF file of your manuscript."))],
                           render_kw={"accept": "application/pdf,.pdf,.zip,.tar.gz,.tgz"})


class SupplementForm(WebForm):
    supplement = FileField(_l("Supplementary file"), [FileRequired(_l("Choose the file to add."))])
    description = StringField(_l("Description"), [InputRequired(_l("Describe the file (what it contains).")),
                                              Length(max=1000)])


class ResponseLetterForm(WebForm):
    response_letter = FileField(_l("Response letter (file)"), [FileRequired(_l("Choose the file of your response."))])


class ReviewerRow(Form):
    name = StringField(_l("Name"), [Optional(), Length(max=200)])
    email = EmailField(_l("Email address"), [Optional(), Length(max=254)])
    reason = StringField(_l("Reason"), [Optional(), Length(max=1000)])


DATA_LINK_KINDS = [("dataset", _l("Dataset")), ("software", _l("Software")), ("other", _l("Other"))]


class DataLinkRow(Form):
    kind = SelectField(_l("Type"), choices=lambda: select_choices(DATA_LINK_KINDS), default="dataset",
                       validate_choice=False)
    address = StringField(_l("DOI or address"), [Optional(), Length(max=500)])
    repository = StringField(_l("Repository"), [Optional(), Length(max=200)])


class DeclarationsForm(WebForm):
    cover_letter = TextAreaField(_l("Cover letter to the editor"), [Optional(), Length(max=20000)],
                                 render_kw={"rows": 8})
    competing_interests = TextAreaField(_l("Competing interests"), [Optional(), Length(max=5000)],
                                        render_kw={"rows": 3})
    funding = TextAreaField(_l("Funding"), [Optional(), Length(max=5000)], render_kw={"rows": 3})
    data_availability = TextAreaField(_l("Data availability statement"), [Optional(), Length(max=5000)],
                                      render_kw={"rows": 3})
    data_links = FieldList(FormField(DataLinkRow), label=_l("Data and software"), max_entries=20)
    suggested_reviewers = FieldList(FormField(ReviewerRow), label=_l("Suggested reviewers"), max_entries=20)
    opposed_reviewers = FieldList(FormField(ReviewerRow), label=_l("Opposed reviewers"), max_entries=20)
    # Shown where the journal publishes peer review with consent (services/peer_review.py).
    authors_agree_to_publish_reviews = BooleanField(
        _l("We agree that the peer review is published with the article if it is accepted"))

    def reviewer_rows(self, name: str) -> list[dict]:
        return [{k: (v or "") for k, v in entry.data.items()} for entry in self[name].entries]


    def data_link_rows(self) -> list[dict]:
        return [{k: (v or "") for k, v in entry.data.items()} for entry in self.data_links.entries]


def data_link_data(links: list[dict]) -> list[dict]:
    """Saved links as the form's rows (a DOI or an address in one field)."""
    return [{"kind": link.get("kind", "other"), "address": link.get("doi") or link.get("url") or "",
             "repository": link.get("repository", "")} for link in links or []]


def add_empty_rows(form: DeclarationsForm, count: int, only: str | None = None) -> None:
    """Rows to fill in without JavaScript: the page shows the saved ones and a few empty ones."""
    for name in (only,) if only else ("data_links", "suggested_reviewers", "opposed_reviewers"):
        rows = form[name]
        for _ in range(count):
            if len(rows.entries) < rows.max_entries:
                rows.append_entry()


class SubmitForm(WebForm):
    version = HiddenField()


class ReviseForm(WebForm):
    version = HiddenField()
    response = TextAreaField(_l("Response to the reviewers"), [Optional(), Length(max=50000)], render_kw={"rows": 12})
    save_draft = SubmitField(_l("Save the response as a draft"))


class WithdrawForm(WebForm):
    version = HiddenField()
    reason = TextAreaField(_l("Why do you withdraw the submission?"),
                           [InputRequired(_l("Please say why you withdraw the submission.")), Length(max=5000)],
                           render_kw={"rows": 5})


class ObjectionForm(WebForm):
    reason = TextAreaField(_l("Why should you not be listed as an author?"),
                           [InputRequired(_l("Please tell the editors why you should not be listed.")),
                            Length(max=5000)], render_kw={"rows": 5})


def version_of(form) -> int | None:
    """The submission version the form was loaded with, for optimistic locking."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None
