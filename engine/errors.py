"""The one error the engine raises for bad input."""


class InputError(ValueError):
    """Bad input: names the field and says what is allowed.

    str(err) is one line, "field: message", fit for a CLI or a form.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = " ".join(str(message).split())
        super().__init__(f"{field}: {self.message}")


def shown(value, limit: int = 40) -> str:
    """A short, one-line repr of a user value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_name(key) -> str:
    """A key as a field name: plain when it is simple text, else its short repr."""
    if isinstance(key, str) and key and key.isprintable() and key.strip() == key and len(key) <= 40:
        return key
    return shown(key)
