"""The reviewer's forms: answering an invitation, writing the review."""

from flask_babel import gettext, lazy_gettext as _l
from journal.web.forms import WebForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, PasswordField, RadioField, TextAreaField
from wtforms.validators import EqualTo, Length, Optional

from journal.models import CRITERIA, Recommendation
from journal.models.reviews import SCORES
from journal.web.auth.forms import PASSWORDS_DIFFER, strong_password
from journal.web.choices import select_choices


class AcceptForm(WebForm):
    """The password is offered to an invitee without an account (the view sets `account_email`, the address the
    account is made for); left empty, a link to choose it is mailed instead. The registration's rules apply."""

    proposed_due_at = DateField(_l("Propose another due date (optional)"), validators=[Optional()])
    password = PasswordField(_l("Choose a password"), [Optional(), strong_password],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"), [EqualTo("password", PASSWORDS_DIFFER)],
                            render_kw={"autocomplete": "new-password"})


class DeclineForm(WebForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4})
    alternatives = TextAreaField(_l("Who could review it instead? (optional)"), validators=[Optional(), Length(max=5000)],
                                 render_kw={"rows": 3})


class ReviewForm(WebForm):
    """Scores are checked by the service when submitting, so a draft may leave any of them empty."""

    recommendation = RadioField(_l("Recommendation"), choices=lambda: select_choices(Recommendation.choices()),
                                validators=[Optional()], validate_choice=False)
    comments_to_authors = TextAreaField(_l("Comments to the authors"), validators=[Length(max=100_000)],
                                        render_kw={"rows": 14})
    confidential_comments = TextAreaField(_l("Confidential comments to the editor"),
                                          validators=[Length(max=100_000)], render_kw={"rows": 6})
    attachment = FileField(_l("Attachment (optional)"))
    remove_attachment = BooleanField(_l("Remove the attachment"))
    # Shown when the attachment names its reviewer; attachment_seen is the file they were shown.
    share_attachment = BooleanField(_l("I have seen where the attachment names me: the authors may receive it as it is"))
    attachment_seen = HiddenField()
    # Shown in open-review journals only (the service ignores it elsewhere).
    consent_to_name = BooleanField(_l("I agree that my name is shown to the authors with my review after the decision"))
    # Where the journal publishes peer review (services/peer_review.py): the first only where it asks consent.
    consent_to_publish = BooleanField(_l("My report may be published with the article if it is accepted"))
    name_published = BooleanField(_l("Name me with the published report"))
    finished = BooleanField(_l("I have finished my review: submit it (it cannot be changed afterwards)"))


for _criterion in CRITERIA:
    setattr(ReviewForm, f"score_{_criterion.key}",
            RadioField(_l(_criterion.label),
                       choices=lambda: select_choices((str(n), gettext(str(label))) for n, label in SCORES.items()),
                       validators=[Optional()], validate_choice=False))
