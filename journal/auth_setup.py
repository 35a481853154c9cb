"""How flask-login finds the user of a session or remember-me cookie, and the session cookie itself."""

from datetime import timedelta

from journal.extensions import SessionCookies, login_manager
from journal.models import User
from journal.services.sign_ins import user_for_token


def init_app(app) -> None:
    app.session_interface = SessionCookies()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_COOKIE_DAYS"]))


@login_manager.user_loader
def load_user(token: str) -> User | None:
    # Both cookies carry the token of a sign-in (journal/models/sign_ins.py): once it has ended, neither works.
    return user_for_token(token)
