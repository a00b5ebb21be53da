"""The browsable API's HTML renderer, with view descriptions that read as text.

DRF renders a view's docstring as Markdown only when the `markdown` package is installed;
without it the docstring shows as written, backticks included, with a line break wherever the
source wrapped. The docstrings stay Markdown (Swagger UI renders them so); here `code` becomes
<code>, a blank line starts a paragraph, and a single line break is the source's wrapping.
"""

import re
from typing import TYPE_CHECKING

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from rest_framework import renderers, status

if TYPE_CHECKING:  # DRF imports this module (its settings) while importing its views
    from rest_framework.views import APIView

INLINE_CODE = re.compile(r"`([^`\n]+)`")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def description_html(text: str) -> SafeString:
    """`text` (a docstring in Markdown's simplest form) as HTML paragraphs."""
    paragraphs = (" ".join(paragraph.split()) for paragraph in PARAGRAPH_BREAK.split(text))
    return format_html_join("", "<p>{}</p>", ((_inline_code(paragraph),) for paragraph in paragraphs if paragraph))


def _inline_code(paragraph: str) -> SafeString:
    # split() with a group alternates prose (even places) and code (odd places).
    parts = INLINE_CODE.split(paragraph)
    pieces = (
        format_html("<code>{}</code>", part) if place % 2 else conditional_escape(part)
        for place, part in enumerate(parts)
    )
    return format_html_join("", "{}", ((piece,) for piece in pieces))


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's, with the view's description as text (`description_html`)."""

    def get_description(self, view: "APIView", status_code: int) -> str:
        if status_code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN):
            return ""  # as DRF: no description for a caller who may not use the view
        return description_html(view.get_view_description(html=False))
