"""The base of every form on the site: Flask-WTF's (CSRF protection), with hidden inputs rendered without an id.

A page often carries several forms, each with its CSRF token and the submission's version. WTForms gives every
input the field's name as its id, so such pages repeated ids: invalid HTML, and a label or link pointing at a
repeated id reaches only the first. Nothing points at a hidden input, so hidden inputs get no id at all.
"""

from flask_wtf import FlaskForm


class WebForm(FlaskForm):
    class Meta:
        def render_field(self, field, render_kw):
            if getattr(field.widget, "input_type", None) == "hidden":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)
