"""The editorial office's blueprint, alone in its module so that every route module can register on it
without importing another route module (journal/web/editorial/__init__.py imports them all)."""

from flask import Blueprint

bp = Blueprint("editorial", __name__, url_prefix="/editorial")
