from flask_babel import lazy_gettext as _l
from journal.web.forms import WebForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from journal.models import PeerReviewPublication, ReviewMode, Role
from journal.web.auth.forms import EMAIL
from journal.web.choices import languages, select_choices

LICENCES = select_choices([
    ("CC-BY-4.0", _l("Creative Commons Attribution 4.0 (CC BY 4.0)")),
    ("CC-BY-SA-4.0", _l("Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)")),
    ("CC-BY-NC-4.0", _l("Creative Commons Attribution-NonCommercial 4.0 (CC BY-NC 4.0)")),
    ("CC0-1.0", _l("CC0 1.0 public domain dedication")),
    ("all-rights-reserved", _l("All rights reserved")),
])


class JournalSettingsForm(WebForm):
    title = StringField(_l("Title"), [InputRequired(_l("A journal needs a title.")), Length(max=255)])
    abbreviation = StringField(_l("Abbreviated title"), [Optional(), Length(max=40)])
    reference_prefix = StringField(_l("Reference prefix"), [InputRequired(_l("Please give a prefix.")), Length(max=12)])
    issn_print = StringField(_l("Print ISSN"), [Optional(), Length(max=9)])
    issn_online = StringField(_l("Online ISSN"), [Optional(), Length(max=9)])
    publisher = StringField(_l("Publisher"), [Optional(), Length(max=255)])
    doi_prefix = StringField(_l("DOI prefix"), [Optional(), Length(max=40)], render_kw={"placeholder": "10.12345"})
    doi_pattern = StringField(_l("DOI pattern"), [Optional(), Length(max=100)],
                              render_kw={"placeholder": "{slug}.{year}.{number:04d}"})
    licence = SelectField(_l("Licence of published articles"), choices=LICENCES)
    publishes_continuously = BooleanField(_l("Publish continuously (online first)"))
    prints = BooleanField(_l("The journal prints (page numbers required)"))
    review_mode = SelectField(_l("Review mode"), choices=lambda: select_choices(ReviewMode.choices()))
    review_days = IntegerField(_l("Days a reviewer has for a review"), [InputRequired(), NumberRange(1, 365)])
    response_days = IntegerField(_l("Days to answer an invitation"), [InputRequired(), NumberRange(1, 90)])
    reviews_required = IntegerField(_l("Reviews required before a decision"), [InputRequired(), NumberRange(0, 10)])
    minor_revision_days = IntegerField(_l("Days the authors have for a minor revision"),
                                       [Optional(), NumberRange(1, 365)])
    major_revision_days = IntegerField(_l("Days the authors have for a major revision"),
                                       [Optional(), NumberRange(1, 365)])
    # Checked by the service (journal.services.journals.parse_reminder_days), which names the field in its error.
    reminder_days_respond_by = StringField(_l("Reminders about answering an invitation"), [Optional(), Length(max=100)],
                                           render_kw={"placeholder": "-2, 2", "inputmode": "text"})
    reminder_days_due = StringField(_l("Reminders about the review due date"), [Optional(), Length(max=100)],
                                    render_kw={"placeholder": "-7, -1, 3, 10", "inputmode": "text"})
    reminder_days_revision = StringField(_l("Reminders about a revision's due date"), [Optional(), Length(max=100)],
                                         render_kw={"placeholder": "-7, 3", "inputmode": "text"})
    editors_recommend_only = BooleanField(_l("Editors recommend; managing editors decide"))
    reviewers_see_reviews = BooleanField(_l("After the decision, reviewers see the other reviews"))
    peer_review_publication = SelectField(_l("Publish the peer review with the article"),
                                          choices=lambda: select_choices(PeerReviewPublication.choices()))
    accepting_submissions = BooleanField(_l("Open for new submissions"))
    page_limit = IntegerField(_l("Most pages a manuscript may have"), [InputRequired(), NumberRange(1, 2000)])
    submission_checklist = TextAreaField(_l("Submission checklist"), [Optional(), Length(max=5000)], render_kw={"rows": 4})
    default_language = SelectField(_l("Default language"), choices=lambda: languages())
    # Checked by the service (every code known, the default among them), which names the field in its error.
    languages = SelectMultipleField(_l("Languages offered"), choices=lambda: languages(), validate_choice=False,
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    description = TextAreaField(_l("Description"), [Optional(), Length(max=5000)], render_kw={"rows": 5})
    author_guidelines = TextAreaField(_l("Author guidelines"), [Optional(), Length(max=20000)], render_kw={"rows": 6})


class SectionForm(WebForm):
    title = StringField(_l("Section title"), [InputRequired(_l("A section needs a title.")), Length(max=120)])
    abbreviation = StringField(_l("Abbreviation"), [Optional(), Length(max=20)])
    policy = TextAreaField(_l("Policy shown to authors"), [Optional(), Length(max=3000)], render_kw={"rows": 3})
    active = BooleanField(_l("Open for submissions"), default=True)


class MemberForm(WebForm):
    email = EmailField(_l("Email address of the account"), EMAIL)
    role = SelectField(_l("Role"), choices=lambda: select_choices(Role.choices()))


class AnnouncementForm(WebForm):
    title = StringField(_l("Title"), [InputRequired(_l("Give the announcement a title.")), Length(max=200)])
    body = TextAreaField(_l("Text"), [Optional(), Length(max=20_000)], render_kw={"rows": 6})


class MailTemplateForm(WebForm):
    subject = StringField(_l("Subject"), validators=[InputRequired(_l("Write the subject.")), Length(max=255)])
    body = TextAreaField(_l("Text"), validators=[InputRequired(_l("Write the text.")), Length(max=20_000)],
                         render_kw={"rows": 18})
    submission_id = SelectField(_l("Preview with the submission"), coerce=int, validate_choice=False,
                                validators=[Optional()])
