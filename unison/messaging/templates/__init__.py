"""Message templates (issue 17 item 1): per-channel parts in Jinja2's sandbox, locale
variants with a fallback chain, immutable versions, preview and test sends.

Other parts of messaging render through `render`; it raises `TemplateRenderFailed` naming
the part and the missing variable. A WhatsApp template may render both free text and an
approved template; `whatsapp_content` keeps the one the 24-hour window allows."""

from unison.messaging.templates.errors import TemplateNotFound, TemplateRenderFailed
from unison.messaging.templates.parts import whatsapp_content
from unison.messaging.templates.rendering import Rendered, render

__all__ = ["Rendered", "TemplateNotFound", "TemplateRenderFailed", "render", "whatsapp_content"]
