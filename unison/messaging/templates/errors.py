"""What can go wrong with a template; each names the field (e.g. `variants.ka.html`)."""

from unison.kit.errors import Conflict, InvalidParameter, NotFound


class TemplateNotFound(NotFound):
    pass


class TemplateVersionNotFound(NotFound):
    pass


class TemplateNameTaken(Conflict):
    pass


class TemplatePartMissing(InvalidParameter):
    """A channel's required part (an email's subject, an SMS text...) is absent."""


class TemplatePartInvalid(InvalidParameter):
    """A part of the wrong type or shape, or one the channel does not have."""


class TemplateSyntaxInvalid(InvalidParameter):
    """The Jinja source does not parse; the detail names the line."""


class TemplateUnsafe(InvalidParameter):
    """The source reaches for Python internals the sandbox refuses."""


class LocaleUnknown(InvalidParameter):
    pass


class SmsTooLong(InvalidParameter):
    pass


class TemplateRenderFailed(InvalidParameter):
    """Rendering for one customer failed: a missing variable (named in `variable`), a value
    the sandbox refused, or output past the limits."""

    def __init__(self, detail: str, *, field: str | None, variable: str | None = None) -> None:
        super().__init__(detail, field=field, extra={"variable": variable} if variable else None)
        self.variable = variable


class RecipientInvalid(InvalidParameter):
    pass
