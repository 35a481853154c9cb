"""One service call, one transaction."""

import functools

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from journal.extensions import db
from journal.services.errors import ConcurrentChange


def transactional(fn):
    """Commit when the service returns, roll back everything when it raises."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except StaleDataError:
            # Optimistic locking: another request committed a newer version of the same row first.
            db.session.rollback()
            raise ConcurrentChange(_("Someone else changed this a moment ago, so nothing was saved. Please look at "
                                     "it again before you act.")) from None
        except BaseException:
            db.session.rollback()
            raise

    return wrapper
