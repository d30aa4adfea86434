class ServiceError(Exception):
    """A refused state change. The message is Chinese and safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ActionNotAllowed(ServiceError):
    """The actor's role or unit does not allow this action."""
