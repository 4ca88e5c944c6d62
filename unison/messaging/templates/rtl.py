"""Right to left: an HTML part of a right-to-left variant (Hebrew, Arabic...) is marked
`dir="rtl"` (and its language) unless it says otherwise, so mail clients lay it out
right to left; inserted values are isolated by the sandbox (sandbox.py)."""

import re

_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_DIR = re.compile(r"\sdir\s*=", re.IGNORECASE)
_LANG = re.compile(r"\slang\s*=", re.IGNORECASE)


def directed_html(html: str, locale: str) -> str:
    for pattern in (_HTML_TAG, _BODY_TAG):
        tag = pattern.search(html)
        if tag:
            if _DIR.search(tag.group(0)):
                return html
            opening = tag.group(0)
            lang = "" if _LANG.search(opening) else f' lang="{locale}"'
            marked = f'{opening[:-1].rstrip()} dir="rtl"{lang}>'
            return html[: tag.start()] + marked + html[tag.end() :]
    return f'<div dir="rtl" lang="{locale}">{html}</div>'
