"""The baseline of scripts/bench_pages.py: a bare Flask app with one route rendering a small template, served by
gunicorn with the journal's settings (`gunicorn --chdir scripts bench_bare_app:app`). The template is loaded and
compiled once, as the journal's are (render_template_string would compile it on every request)."""

from flask import Flask, render_template
from jinja2 import DictLoader

PAGE = "<!doctype html><title>{{ title }}</title><ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>"

app = Flask("bare")
app.jinja_loader = DictLoader({"page.html": PAGE})


@app.get("/")
def page():
    return render_template("page.html", title="Hello", items=range(10))
