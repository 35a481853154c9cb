from journal.web.forms import WebForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from journal.models import ReviewMode
from journal.web.choices import select_choices


class JournalCreateForm(WebForm):
    title = StringField("Title", [InputRequired("A journal needs a title."), Length(max=255)])
    slug = StringField("Web address", [InputRequired("Please choose a web address."), Length(max=40)],
                       render_kw={"placeholder": "jdse"})
    reference_prefix = StringField("Reference prefix", [InputRequired("Please give a prefix."), Length(max=12)],
                                   render_kw={"placeholder": "JDSE"})
    review_mode = SelectField("Review mode", choices=select_choices(ReviewMode.choices()), default=ReviewMode.DOUBLE_ANONYMOUS.value)
    publisher = StringField("Publisher", [Optional(), Length(max=255)],
                            default="International Deep Space Exploration Association")
    description = TextAreaField("Description", [Optional(), Length(max=5000)], render_kw={"rows": 4})
