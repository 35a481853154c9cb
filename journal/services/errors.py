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
