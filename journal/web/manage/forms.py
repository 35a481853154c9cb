from journal.web.forms import WebForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from journal.models import ReviewMode, Role
from journal.web.auth.forms import EMAIL
from journal.web.choices import select_choices

LICENCES = select_choices([
    ("CC-BY-4.0", "Creative Commons Attribution 4.0 (CC BY 4.0)"),
    ("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)"),
    ("CC-BY-NC-4.0", "Creative Commons Attribution-NonCommercial 4.0 (CC BY-NC 4.0)"),
    ("CC0-1.0", "CC0 1.0 public domain dedication"),
    ("all-rights-reserved", "All rights reserved"),
])


class JournalSettingsForm(WebForm):
    title = StringField("Title", [InputRequired("A journal needs a title."), Length(max=255)])
    abbreviation = StringField("Abbreviated title", [Optional(), Length(max=40)])
    reference_prefix = StringField("Reference prefix", [InputRequired("Please give a prefix."), Length(max=12)])
    issn_print = StringField("Print ISSN", [Optional(), Length(max=9)])
    issn_online = StringField("Online ISSN", [Optional(), Length(max=9)])
    publisher = StringField("Publisher", [Optional(), Length(max=255)])
    doi_prefix = StringField("DOI prefix", [Optional(), Length(max=40)], render_kw={"placeholder": "10.12345"})
    doi_pattern = StringField("DOI pattern", [Optional(), Length(max=100)],
                              render_kw={"placeholder": "{slug}.{year}.{number:04d}"})
    licence = SelectField("Licence of published articles", choices=LICENCES)
    review_mode = SelectField("Review mode", choices=select_choices(ReviewMode.choices()))
    review_days = IntegerField("Days a reviewer has for a review", [InputRequired(), NumberRange(1, 365)])
    response_days = IntegerField("Days to answer an invitation", [InputRequired(), NumberRange(1, 90)])
    reviews_required = IntegerField("Reviews required before a decision", [InputRequired(), NumberRange(0, 10)])
    # Checked by the service (journal.services.journals.parse_reminder_days), which names the field in its error.
    reminder_days_respond_by = StringField("Reminders about answering an invitation", [Optional(), Length(max=100)],
                                           render_kw={"placeholder": "-2, 2", "inputmode": "text"})
    reminder_days_due = StringField("Reminders about the review due date", [Optional(), Length(max=100)],
                                    render_kw={"placeholder": "-7, -1, 3, 10", "inputmode": "text"})
    editors_recommend_only = BooleanField("Editors recommend; managing editors decide")
    reviewers_see_reviews = BooleanField("After the decision, reviewers see the other reviews")
    accepting_submissions = BooleanField("Open for new submissions")
    page_limit = IntegerField("Most pages a manuscript may have", [InputRequired(), NumberRange(1, 2000)])
    submission_checklist = TextAreaField("Submission checklist", [Optional(), Length(max=5000)], render_kw={"rows": 4})
    description = TextAreaField("Description", [Optional(), Length(max=5000)], render_kw={"rows": 5})
    author_guidelines = TextAreaField("Author guidelines", [Optional(), Length(max=20000)], render_kw={"rows": 6})


class SectionForm(WebForm):
    title = StringField("Section title", [InputRequired("A section needs a title."), Length(max=120)])
    abbreviation = StringField("Abbreviation", [Optional(), Length(max=20)])
    policy = TextAreaField("Policy shown to authors", [Optional(), Length(max=3000)], render_kw={"rows": 3})
    active = BooleanField("Open for submissions", default=True)


class MemberForm(WebForm):
    email = EmailField("Email address of the account", EMAIL)
    role = SelectField("Role", choices=select_choices(Role.choices()))


class AnnouncementForm(WebForm):
    title = StringField("Title", [InputRequired("Give the announcement a title."), Length(max=200)])
    body = TextAreaField("Text", [Optional(), Length(max=20_000)], render_kw={"rows": 6})
