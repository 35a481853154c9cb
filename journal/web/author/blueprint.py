"""The authors' blueprint, alone in its module so that the route modules (views, proofs) register on it without
importing each other (journal/web/author/__init__.py imports them all)."""

from flask import Blueprint

bp = Blueprint("author", __name__)
