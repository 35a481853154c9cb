"""The reader's site's blueprint, alone in its module so that the route modules (views, articles, feeds, search)
register on it without importing each other (journal/web/public/__init__.py imports them all)."""

from flask import Blueprint

bp = Blueprint("public", __name__)
