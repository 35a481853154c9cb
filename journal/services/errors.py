from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule said no. The message is shown to the user as it is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs beside, if any


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class TooLarge(DomainError):
    """An upload past the size limit of one file; nothing was stored."""


class ConcurrentChange(DomainError):
    """Someone else changed the same thing first; nothing of this attempt was kept."""


class FilesUnavailable(DomainError):
    """The files service (storage) did not answer; nothing of this attempt was kept, so the user tries again."""

    # Lazy: made text in the reader's language where it is shown (str() here, for a raised one).
    MESSAGE = _l("The files service is unavailable just now; nothing was saved. Please try again in a few minutes.")

    def __init__(self, message: str | None = None, field: str | None = None):
        super().__init__(str(message if message is not None else self.MESSAGE), field)
