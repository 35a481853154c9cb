"""The author's forms: the wizard's steps, files, revision, withdrawal, objection.

Forms only check what a person can fix in the field itself (required, length, a file chosen);
whether the submission is complete is the service's rule (missing_items).
"""

from journal.web.forms import WebForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, \
    StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from journal.models import Journal, Submission
from journal.web.choices import countries, select_choices

LANGUAGE_NAMES = {
    "en": "English", "zh": "Chinese", "fr": "French", "de": "German", "it": "Italian", "ja": "Japanese",
    "pt": "Portuguese", "ru": "Russian", "es": "Spanish",
}
LANGUAGES = select_choices(LANGUAGE_NAMES.items())


class StartForm(WebForm):
    section_id = RadioField("Section (article type)", coerce=int, validate_choice=False,  # the service checks it
                            validators=[InputRequired("Choose the section your paper belongs to.")])


def start_form(journal: Journal, submission: Submission | None = None) -> StartForm:
    """Step 1 for this journal: its open sections, and one required tick per checklist statement."""

    class JournalStartForm(StartForm):
        pass

    checklist = journal.submission_checklist or []
    for index, statement in enumerate(checklist):
        setattr(JournalStartForm, f"check_{index}", BooleanField(
            statement, [InputRequired("Please confirm this statement; the journal asks each author to.")]))
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
    title = StringField("Title", [Optional(), Length(max=500, message="Please keep the title under 500 characters.")])
    abstract = TextAreaField("Abstract", [Optional(), Length(max=10000, message="Please keep the abstract under "
                                                                                "10,000 characters.")],
                             render_kw={"rows": 10})
    keywords = StringField("Keywords", [Optional(), Length(max=1000)])
    language = SelectField("Language of the manuscript", choices=LANGUAGES, default="en")


class ContributorForm(WebForm):
    given_name = StringField("Given name", [InputRequired("Give the author's given name."), Length(max=100)])
    family_name = StringField("Family name", [InputRequired("Give the author's family name."), Length(max=100)])
    email = EmailField("Email address", [InputRequired("Give the author's email address."),
                                         Email("This does not look like an email address.",
                                               check_deliverability=False), Length(max=254)])
    affiliation = StringField("Affiliation", [Optional(), Length(max=255)])
    country = SelectField("Country", choices=countries, default="")
    orcid = StringField("ORCID iD", [Optional(), Length(max=40)], render_kw={"placeholder": "0000-0002-1825-0097"})

    def values(self) -> dict:
        return {name: self[name].data or "" for name in
                ("given_name", "family_name", "email", "affiliation", "country", "orcid")}

    def has_input(self) -> bool:
        """Anything typed into the author fields (the country alone is not an author)."""
        return any((self[name].data or "").strip() for name in
                   ("given_name", "family_name", "email", "affiliation", "orcid"))


class ManuscriptForm(WebForm):
    manuscript = FileField("Manuscript (PDF)", [FileRequired("Choose the PDF file of your manuscript.")],
                           render_kw={"accept": "application/pdf,.pdf"})


class SupplementForm(WebForm):
    supplement = FileField("Supplementary file", [FileRequired("Choose the file to add.")])
    description = StringField("Description", [InputRequired("Describe the file (what it contains)."),
                                              Length(max=1000)])


class ResponseLetterForm(WebForm):
    response_letter = FileField("Response letter (file)", [FileRequired("Choose the file of your response.")])


class ReviewerRow(Form):
    name = StringField("Name", [Optional(), Length(max=200)])
    email = EmailField("Email address", [Optional(), Length(max=254)])
    reason = StringField("Reason", [Optional(), Length(max=1000)])


class DeclarationsForm(WebForm):
    cover_letter = TextAreaField("Cover letter to the editor", [Optional(), Length(max=20000)],
                                 render_kw={"rows": 8})
    competing_interests = TextAreaField("Competing interests", [Optional(), Length(max=5000)],
                                        render_kw={"rows": 3})
    funding = TextAreaField("Funding", [Optional(), Length(max=5000)], render_kw={"rows": 3})
    data_availability = TextAreaField("Data availability statement", [Optional(), Length(max=5000)],
                                      render_kw={"rows": 3})
    suggested_reviewers = FieldList(FormField(ReviewerRow), label="Suggested reviewers", max_entries=20)
    opposed_reviewers = FieldList(FormField(ReviewerRow), label="Opposed reviewers", max_entries=20)

    def reviewer_rows(self, name: str) -> list[dict]:
        return [{k: (v or "") for k, v in entry.data.items()} for entry in self[name].entries]


def add_empty_rows(form: DeclarationsForm, count: int, only: str | None = None) -> None:
    """Rows to fill in without JavaScript: the page shows the saved ones and a few empty ones."""
    for name in (only,) if only else ("suggested_reviewers", "opposed_reviewers"):
        rows = form[name]
        for _ in range(count):
            if len(rows.entries) < rows.max_entries:
                rows.append_entry()


class SubmitForm(WebForm):
    version = HiddenField()


class ReviseForm(WebForm):
    version = HiddenField()
    response = TextAreaField("Response to the reviewers", [Optional(), Length(max=50000)], render_kw={"rows": 12})


class WithdrawForm(WebForm):
    version = HiddenField()
    reason = TextAreaField("Why do you withdraw the submission?",
                           [InputRequired("Please say why you withdraw the submission."), Length(max=5000)],
                           render_kw={"rows": 5})


class ObjectionForm(WebForm):
    reason = TextAreaField("Why should you not be listed as an author?",
                           [InputRequired("Please tell the editors why you should not be listed."),
                            Length(max=5000)], render_kw={"rows": 5})


def version_of(form) -> int | None:
    """The submission version the form was loaded with, for optimistic locking."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None
