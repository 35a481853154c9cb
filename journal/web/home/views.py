"""`/home`: each signed-in person's page of what to do next (services/workspace.py), where login and
registration lead."""

from flask import Blueprint, render_template
from flask_login import current_user

from journal.permissions import permission
from journal.services import workspace

bp = Blueprint("home", __name__)


@bp.get("/home")
@permission("account")
def index():
    return render_template("home/index.html", workspace=workspace.workspace_for(current_user))
