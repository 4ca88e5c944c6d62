"""Message templates (issue 17 item 1): per-channel parts in Jinja2's sandbox, locale
variants with a fallback chain, immutable versions, preview and test sends.

Other parts of messaging render through `render`; it raises `TemplateRenderFailed` naming
the part and the missing variable."""

from unison.messaging.templates.errors import TemplateNotFound, TemplateRenderFailed
from unison.messaging.templates.rendering import Rendered, render

__all__ = ["Rendered", "TemplateNotFound", "TemplateRenderFailed", "render"]
