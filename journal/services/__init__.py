"""Use cases. Each public function takes the acting user first (or None for the system),
checks its rule, changes rows, records an audit event and queues its mails in one transaction."""

from journal.services.errors import DomainError, NotFound, PermissionDenied

__all__ = ["DomainError", "NotFound", "PermissionDenied"]
