"""The JSON parser every view uses (`REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`, simplejwt's
views included): DRF's, with the nesting depth bounded before the body is parsed.

Python's JSON parser recurses once per level of nesting, so a small body of `[[[[...` reaches
the interpreter's recursion limit: a `RecursionError`, a 500. Bodies nested deeper than
`settings.JSON_MAX_DEPTH` are refused with a 400 `parse_error` before parsing. The body's size
is bounded before this by `DATA_UPLOAD_MAX_MEMORY_SIZE` (a 413, see `config.errors`).
"""

import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Refuses charsets that are not text encodings (a decompressing `zlib_codec` ...); new in DRF
# 3.18, not yet in its type stubs.
from rest_framework.parsers import get_encoding  # type: ignore[attr-defined]
from rest_framework.utils import json

# A JSON string. An unterminated one runs to the end of the text (so that no later quote, escaped
# or not, starts another attempt: the scan stays linear); such a body is not JSON anyway.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON `text` nests arrays and objects more than `limit` levels deep.

    Counts brackets outside strings. Linear in C, not a Python loop per character: strings and
    everything but brackets are removed, then each pass removes the innermost `[]` pairs, one
    level of nesting; what is left after `limit` passes shows whether there were more levels.
    For text that is not JSON the answer may be either; the parser then refuses it anyway.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKETS.sub("", _STRING.sub("", text)).replace("{", "[").replace("}", "]")
    for _ in range(limit):
        if "[]" not in brackets:
            return False
        brackets = _without_innermost_pairs(brackets)
    return "[]" in brackets


def _without_innermost_pairs(brackets: str) -> str:
    """One pass of `json_depth_exceeds`: one level of nesting removed, in one scan of the text."""
    return brackets.replace("[]", "")


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding: str = get_encoding(parser_context or {})
        limit: int = settings.JSON_MAX_DEPTH
        try:
            text = stream.read().decode(encoding)
        except ValueError as exc:  # not in the declared charset
            raise ParseError(f"JSON parse error - {exc}") from exc
        if json_depth_exceeds(text, limit):
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.")
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
