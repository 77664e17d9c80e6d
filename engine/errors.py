"""The one error the engine raises for bad input."""


class InputError(ValueError):
    """Bad input: names the field and says what is allowed.

    str(err) is one line, "field: message", fit for a CLI or a form.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = " ".join(str(message).split())
        super().__init__(f"{field}: {self.message}")
