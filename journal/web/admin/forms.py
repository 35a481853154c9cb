from flask_babel import lazy_gettext as _l
from journal.web.forms import WebForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from journal.models import ReviewMode
from journal.web.choices import select_choices


class JournalCreateForm(WebForm):
    title = StringField(_l("Title"), [InputRequired(_l("A journal needs a title.")), Length(max=255)])
    slug = StringField(_l("Web address"), [InputRequired(_l("Please choose a web address.")), Length(max=40)],
                       render_kw={"placeholder": "jdse"})
    reference_prefix = StringField(_l("Reference prefix"), [InputRequired(_l("Please give a prefix.")), Length(max=12)],
                                   render_kw={"placeholder": "JDSE"})
    review_mode = SelectField(_l("Review mode"), choices=lambda: select_choices(ReviewMode.choices()),
                              default=ReviewMode.DOUBLE_ANONYMOUS.value)
    publisher = StringField(_l("Publisher"), [Optional(), Length(max=255)],
                            default="International Deep Space Exploration Association")
    description = TextAreaField(_l("Description"), [Optional(), Length(max=5000)], render_kw={"rows": 4})
