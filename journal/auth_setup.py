"""How flask-login finds the user of a session or remember-me cookie."""

from datetime import timedelta

from sqlalchemy import select

from journal.extensions import db, login_manager
from journal.models import User


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_COOKIE_DAYS"]))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # "id:session_version": a password change ends every other session and remember-me cookie.
    try:
        id_part, version_part = user_id.split(":", 1)
        uid, version = int(id_part), int(version_part)
    except ValueError:
        return None
    user = db.session.scalar(select(User).where(User.id == uid))
    if user is None or user.session_version != version or not user.active:
        return None
    return user
