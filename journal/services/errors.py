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


class ConcurrentChange(DomainError):
    """Someone else changed the same thing first; nothing of this attempt was kept."""


class FilesUnavailable(DomainError):
    """The files service (storage) did not answer; nothing of this attempt was kept, so the user tries again."""

    MESSAGE = "The files service is unavailable just now; nothing was saved. Please try again in a few minutes."

    def __init__(self, message: str = MESSAGE, field: str | None = None):
        super().__init__(message, field)
