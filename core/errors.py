"""The one error type a user can cause. Anything else escaping the core is a bug."""


class UserError(ValueError):
    """A problem with the user's input, worded for a student; front ends show it on one line.

    `field` names the setting at fault (as in Config), so a form can put the message beside it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
