"""The language choice on every page: a reader's is remembered in the `lang` cookie, a signed-in person's saved."""

from flask import abort, current_app, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from journal import i18n
from journal.permissions import permission
from journal.services import accounts
from journal.services.errors import DomainError
from journal.web.helpers import safe_next
from journal.web.public.blueprint import bp


@bp.route("/language", methods=["GET", "POST"])
@permission("public")
def choose_language():
    code = i18n.known(request.values.get("lang"))
    if code is None:
        abort(400, description=_("Choose one of the languages listed at the top of each page."))
    if request.method == "POST" and current_user.is_authenticated:
        try:
            accounts.set_language(current_user, code)
        except DomainError as error:
            abort(400, description=error.message)
    response = redirect(safe_next())
    response.set_cookie(i18n.COOKIE, code, max_age=i18n.COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
