"""Rendering a stored template for one customer: choose the locale variant along the
fallback chain, build the context, fill every part in the sandbox, and check the result
(SMS segments, output size). A failure names the part and, for a missing variable, the
variable; nothing is half-rendered."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, meta
from jinja2.exceptions import SecurityError
from sqlalchemy.orm import Session

from unison.kit.errors import UnisonError
from unison.kit.settings import Settings, get_settings
from unison.messaging.templates import locales, parts, sms
from unison.messaging.templates import repository as rows
from unison.messaging.templates.context import VARIABLES, Person, person
from unison.messaging.templates.errors import SmsTooLong, TemplateNotFound, TemplateRenderFailed
from unison.messaging.templates.helpers import Customer, HelperFailed, Helpers
from unison.messaging.templates.rtl import directed_html
from unison.messaging.templates.sandbox import Kind, VariableMissing, compiled, wrap
from unison.models import Template, TemplateVersion


@dataclass(frozen=True)
class Rendered:
    channel: str
    content: dict[str, Any]  # the outbox's `content` for the channel (see parts.py)
    template_id: int
    version: int
    locale: str  # the variant used


def render(
    session: Session,
    template_id: int,
    *,
    profile_id: int,
    locale_chain: Sequence[str] | None = None,
    event: Mapping[str, Any] | None = None,
    campaign: Mapping[str, Any] | None = None,
    version: int | None = None,
    settings: Settings | None = None,
) -> Rendered:
    """Render a template (its current version unless `version`) for a profile.

    `locale_chain` is the customer's locales, most preferred first (None: the profile's own
    preferred language and locale traits); the template's fallback chain follows. Raises
    TemplateNotFound, or TemplateRenderFailed naming the part and the missing variable."""
    template, row = _stored(session, template_id, version)
    who = person(session, profile_id)
    chain = list(locale_chain) if locale_chain is not None else who.locales()
    return render_version(
        settings or get_settings(), template.channel, row, who, chain, event, campaign
    )


def _stored(
    session: Session, template_id: int, version: int | None
) -> tuple[Template, TemplateVersion]:
    found = rows.with_version(session, template_id, version)
    if found is None:
        what = f"template {template_id}" + (f" has no version {version}" if version else "")
        raise TemplateNotFound(f"no {what}", field="template_id")
    return found


class Renderer:
    """Renders for a chunk of messages: each template version is read once for the chunk
    (and each part compiled once per process, sandbox.compiled); the people are given."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self._session, self._settings = session, settings
        self._stored: dict[tuple[int, int | None], tuple[Template, TemplateVersion]] = {}

    def render(
        self,
        template_id: int,
        who: Person,
        *,
        locale_chain: Sequence[str] | None = None,
        event: Mapping[str, Any] | None = None,
        campaign: Mapping[str, Any] | None = None,
        version: int | None = None,
    ) -> Rendered:
        key = (template_id, version)
        if key not in self._stored:
            self._stored[key] = _stored(self._session, template_id, version)
        template, row = self._stored[key]
        chain = list(locale_chain) if locale_chain is not None else who.locales()
        return render_version(self._settings, template.channel, row, who, chain, event, campaign)


def render_version(
    settings: Settings,
    channel: str,
    row: TemplateVersion,
    who: Person,
    customer_locales: Sequence[str],
    event: Mapping[str, Any] | None,
    campaign: Mapping[str, Any] | None,
) -> Rendered:
    fallback = (
        row.fallback_locales
        if row.fallback_locales is not None
        else settings.templates_fallback_locales
    )
    locale = locales.choose(row.variants, customer_locales, fallback, row.default_locale)
    rtl = locales.is_rtl(locale)
    field = f"variants.{locale}"
    context = _Context(settings, who, customer_locales, locale, event, campaign)
    content = parts.build(channel, row.variants[locale], field, _filler(context, rtl, settings))
    if rtl and content.get("html"):
        content["html"] = directed_html(content["html"], locale)
    if channel == "sms":
        check_sms(content["text"], settings, f"{field}.text")
    return Rendered(channel, content, row.template_id, row.version, locale)


class _Context:
    """What a part is rendered with: only the names its template uses are built (a
    template that names only `traits` never wraps the profile, its computed traits or the
    helpers), each once per render, so a missing one still fails naming its path."""

    def __init__(
        self,
        settings: Settings,
        who: Person,
        customer_locales: Sequence[str],
        locale: str,
        event: Mapping[str, Any] | None,
        campaign: Mapping[str, Any] | None,
    ) -> None:
        self._settings, self._who, self._event = settings, who, event
        self._customer_locales, self.locale = customer_locales, locale
        self._given: dict[str, Any] = {}
        if event is not None:
            self._given["event"] = dict(event)
        if campaign is not None:
            self._given["campaign"] = dict(campaign)
        self._built: dict[str, Any] = {"locale": locale}
        self._helpers: dict[str, Any] | None = None

    def variables(self, names: frozenset[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in names:
            if name not in self._built:
                self._build(name)
            if name in self._built:
                found[name] = self._built[name]
        return found

    def _build(self, name: str) -> None:
        """`name`'s value, as a context built whole would hold it (the event and campaign
        over the profile's variables; the helpers' names are none of these)."""
        if name in self._given:
            self._built[name] = wrap(name, self._given[name])
            return
        if name in VARIABLES:
            self._built[name] = wrap(name, self._who.variable(name))
            return
        helpers = self._helper_functions()  # built only when a template calls one
        if name in helpers:
            self._built[name] = helpers[name]

    def _helper_functions(self) -> dict[str, Any]:
        if self._helpers is None:
            who = self._who
            customer = Customer(
                who.id,
                who.email,
                _number_locale(self._customer_locales, self.locale),
                self.locale,
                who.zone,
            )
            self._helpers = Helpers(self._settings, customer, self._event).functions()
        return self._helpers


def _number_locale(customer_locales: Sequence[str], variant: str) -> Any:
    """The customer's own locale for numbers and dates when it speaks the variant's language
    (en-GB dates for an `en` text), else the variant's."""
    language = variant.split("-")[0]
    for code in customer_locales:
        found = locales.babel_locale(code) if isinstance(code, str) else None
        if found is not None and found.language == language:
            return found
    return locales.babel_locale(variant)


def _filler(context: _Context, rtl: bool, settings: Settings) -> parts.Fill:
    limit = settings.templates_max_output_chars

    def fill(source: str, field: str, kind: Kind) -> str:
        try:
            output = _output(kind, rtl, source, context)
        except VariableMissing as exc:
            raise TemplateRenderFailed(
                f"{field}: {exc.message}", field=field, variable=exc.variable
            ) from None
        except SecurityError as exc:
            raise TemplateRenderFailed(
                f"{field}: refused by the sandbox: {exc}", field=field
            ) from None
        except UnisonError:
            raise
        except (HelperFailed, TemplateError) as exc:
            raise TemplateRenderFailed(f"{field}: {exc}", field=field) from None
        except Exception as exc:  # a template is the user's code: any failure
            # of it (a bad date pattern, a type mismatch) is their 400, never our 500
            raise TemplateRenderFailed(
                f"{field}: {type(exc).__name__}: {exc}", field=field
            ) from None
        if len(output) > limit:
            raise TemplateRenderFailed(
                f"{field}: the rendered text is longer than {limit} characters", field=field
            )
        return output

    return fill


@dataclass(frozen=True)
class _Part:
    """A part's template compiled once per process, with the names it reads from its
    context and the environment's globals as a plain dict (merged into each render's
    context without walking Jinja's ChainMap every time)."""

    template: Any
    names: frozenset[str]
    globals: dict[str, Any]

    @property
    def static(self) -> bool:
        """Its output depends on nothing but the locale (no profile, helper or global)."""
        return self.names <= {"locale"}


@lru_cache(maxsize=4096)
def _part(kind: Kind, rtl: bool, source: str) -> _Part:
    template = compiled(kind, rtl, source)
    env = template.environment
    names = frozenset(meta.find_undeclared_variables(env.parse(source)))
    return _Part(template, names, dict(template.globals))


def _output(kind: Kind, rtl: bool, source: str, context: _Context) -> str:
    part = _part(kind, rtl, source)
    if part.static:  # the same text for every customer of the locale: rendered once
        return _static_output(kind, rtl, source, context.locale)
    return _render(part, context.variables(part.names))


@lru_cache(maxsize=4096)
def _static_output(kind: Kind, rtl: bool, source: str, locale: str) -> str:
    return _render(_part(kind, rtl, source), {"locale": locale})


def _render(part: _Part, variables: dict[str, Any]) -> str:
    """`Template.render`, with the context's parent built as one dict (what `render` builds
    from the globals and the variables on every call), and the globals' names taken from
    that dict (`new_context` would walk the template's ChainMap of globals every time)."""
    template = part.template
    env = template.environment
    parent = {**part.globals, **variables}
    context = env.context_class(env, parent, template.name, template.blocks, globals=part.globals)
    try:
        output: str = env.concat(template.root_render_func(context))
    except Exception:
        env.handle_exception()
    return output


def check_sms(text: str, settings: Settings, field: str) -> sms.Segments:
    counted = sms.count(text)
    if counted.segments > settings.templates_sms_max_segments:
        raise SmsTooLong(
            f"{field}: {counted.segments} {counted.encoding} segments ({counted.units} "
            f"{'septets' if counted.encoding == sms.GSM7 else 'UTF-16 units'}); at most "
            f"{settings.templates_sms_max_segments} are allowed "
            "(UNISON_TEMPLATES_SMS_MAX_SEGMENTS)",
            field=field,
        )
    return counted
