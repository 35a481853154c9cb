"""One service call, one transaction."""

import functools

from journal.extensions import db


def transactional(fn):
    """Commit when the service returns, roll back everything when it raises."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise

    return wrapper
