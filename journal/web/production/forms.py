"""The production forms: galley, metadata, proofs, scheduling, issues, corrections, retraction.

They check what a person can fix in the field itself; the rules are the services'."""

from flask_babel import gettext as _, lazy_gettext as _l
from journal.web.forms import WebForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField, \
    TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from journal.web.author.forms import LANGUAGES
from journal.web.choices import countries, select_choices
from journal.web.manage.forms import LICENCES


class VersionForm(WebForm):
    """A button that acts on the article (or issue) as the page showed it."""

    version = HiddenField()


class StartForm(WebForm):
    version = HiddenField()  # the submission's


class GalleyForm(WebForm):
    galley = FileField(_l("Galley (the final PDF readers download)"), [FileRequired(_l("Choose the PDF file."))],
                       render_kw={"accept": "application/pdf,.pdf"})


class FullTextForm(WebForm):
    source = FileField(_l("LaTeX source archive (.zip, .tar.gz) or JATS XML"),
                       [FileRequired(_l("Choose the LaTeX source archive or the JATS XML file."))],
                       render_kw={"accept": ".zip,.tar.gz,.tgz,.xml"})
    main = StringField(_l("Main .tex file, if the archive holds several"), [Optional(), Length(max=255)],
                       render_kw={"placeholder": "paper.tex"})


class FullTextFromSourceForm(WebForm):
    """A button: the HTML from the authors' own LaTeX source (CSRF only)."""


class ContributorRow(Form):
    given_name = StringField(_l("Given name"), [Optional(), Length(max=100)])
    family_name = StringField(_l("Family name"), [Optional(), Length(max=100)])
    orcid = StringField(_l("ORCID iD"), [Optional(), Length(max=40)], render_kw={"placeholder": "0000-0002-1825-0097"})
    affiliation = StringField(_l("Affiliation"), [Optional(), Length(max=255)])
    country = SelectField(_l("Country"), choices=countries, default="")
    email = StringField(_l("Email (corresponding author only)"), [Optional(), Length(max=254)])


class MetadataForm(WebForm):
    title = StringField(_l("Title"), [InputRequired(_l("Give the title.")), Length(max=500)])
    abstract = TextAreaField(_l("Abstract"), [InputRequired(_l("Give the abstract.")), Length(max=10000)],
                             render_kw={"rows": 10})
    keywords = StringField(_l("Keywords"), [Optional(), Length(max=1000)])
    language = SelectField(_l("Language"), choices=LANGUAGES, default="en")
    contributors = FieldList(FormField(ContributorRow), label=_l("Authors"), min_entries=1, max_entries=100)
    corresponding = SelectField(_l("Corresponding author"), coerce=int, validate_choice=False)
    funding = TextAreaField(_l("Funding"), [Optional(), Length(max=5000)], render_kw={"rows": 3})
    competing_interests = TextAreaField(_l("Competing interests"), [Optional(), Length(max=5000)], render_kw={"rows": 2})
    data_availability = TextAreaField(_l("Data availability"), [Optional(), Length(max=5000)], render_kw={"rows": 2})
    licence = SelectField(_l("Licence"), choices=LICENCES)
    version = HiddenField()

    def values(self) -> dict:
        """What the services take: the authors in row order, the chosen one corresponding."""
        rows = []
        for index, entry in enumerate(self.contributors.entries):
            row = {name: entry[name].data or "" for name in
                   ("given_name", "family_name", "orcid", "affiliation", "country", "email")}
            row["corresponding"] = index == self.corresponding.data
            rows.append(row)
        return {"title": self.title.data or "", "abstract": self.abstract.data or "",
                "keywords": self.keywords.data or "", "language": self.language.data or "en", "contributors": rows,
                "funding": self.funding.data or "", "competing_interests": self.competing_interests.data or "",
                "data_availability": self.data_availability.data or "", "licence": self.licence.data or ""}


class CorrectMetadataForm(MetadataForm):
    change_note = TextAreaField(_l("What was corrected, and why (readers see this note with the date)"),
                                [InputRequired(_l("Say what was corrected and why.")), Length(max=5000)],
                                render_kw={"rows": 3})


def metadata_form(metadata: dict | None, form_class=MetadataForm, *, formdata=None, spare_rows: int = 2):
    """The form filled from frozen metadata (on GET) or from the request; a few empty author rows to add one."""
    form = form_class(formdata=formdata) if formdata is not None else form_class()
    if formdata is None and metadata is not None:
        form.title.data = metadata["title"]
        form.abstract.data = metadata["abstract"]
        form.keywords.data = ", ".join(metadata["keywords"] or [])
        form.language.data = metadata.get("language") or "en"
        form.funding.data = metadata["funding"]
        form.competing_interests.data = metadata["competing_interests"]
        form.data_availability.data = metadata["data_availability"]
        form.licence.data = metadata["licence"]
        while form.contributors.entries:
            form.contributors.pop_entry()
        for index, contributor in enumerate(metadata["contributors"]):
            form.contributors.append_entry({k: contributor.get(k) or "" for k in
                                            ("given_name", "family_name", "orcid", "affiliation", "country",
                                             "email")})
            if contributor.get("corresponding"):
                form.corresponding.data = index
        for _row in range(spare_rows):
            form.contributors.append_entry()
    form.corresponding.choices = select_choices((i, _("Author %(number)d", number=i + 1))
                                                for i in range(len(form.contributors.entries)))
    return form


class ScheduleForm(WebForm):
    issue_id = SelectField(_l("Issue"), coerce=int, validate_choice=False,
                           validators=[InputRequired(_l("Choose the issue."))])
    section_id = SelectField(_l("Section in the table of contents"), coerce=int, validate_choice=False)
    first_page = IntegerField(_l("First page"), [Optional(), NumberRange(min=1, message=_l("Pages are counted from 1."))])
    last_page = IntegerField(_l("Last page"), [Optional(), NumberRange(min=1, message=_l("Pages are counted from 1."))])
    version = HiddenField()


class IssueForm(WebForm):
    volume = IntegerField(_l("Volume"), [InputRequired(_l("Give the volume.")), NumberRange(1, 10_000)])
    number = IntegerField(_l("Number"), [InputRequired(_l("Give the issue number.")), NumberRange(1, 1000)])
    year = IntegerField(_l("Year"), [InputRequired(_l("Give the year.")), NumberRange(1900, 2200)])
    title = StringField(_l("Title (optional)"), [Optional(), Length(max=255)],
                        render_kw={"placeholder": _l("Special issue: the outer planets")})
    description = TextAreaField(_l("Description (optional)"), [Optional(), Length(max=20000)], render_kw={"rows": 3})
    version = HiddenField()


class CorrectGalleyForm(WebForm):
    galley = FileField(_l("Corrected galley (PDF)"), [FileRequired(_l("Choose the PDF file."))],
                       render_kw={"accept": "application/pdf,.pdf"})
    change_note = TextAreaField(_l("What was corrected, and why (readers see this note with the date)"),
                                [InputRequired(_l("Say what was corrected and why.")), Length(max=5000)],
                                render_kw={"rows": 3})


class RetractForm(WebForm):
    notice = TextAreaField(_l("Retraction notice (readers see it above the article)"),
                           [InputRequired(_l("Write the retraction notice.")), Length(max=20000)], render_kw={"rows": 6})
    confirm = BooleanField(_l("I understand: the article stays reachable, marked as retracted, and this cannot be "
                           "undone here."), [InputRequired(_l("Please confirm."))])
    version = HiddenField()


def version_of(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None
