"""The API's JSON, read with two limits a client can otherwise break the server with.

- Depth: JSON nested deeper than MAX_DEPTH is refused before anything walks it (a document nested
  a thousand deep made Python's own parser and the validators recurse until they failed).
- NUL: no text field may hold the NUL character, which PostgreSQL cannot store; the 400 names the
  field, as any other validation error does.
"""

import json
import re

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise exceptions.ParseError(f"The body is not valid {encoding} text.") from None
        _check_depth(text)
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error: {error}") from None
        _refuse_nul(data)
        return data


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _check_depth(text: str) -> None:
    """Refuse more than MAX_DEPTH open brackets at once, counting outside strings only."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels is not accepted.")


def _refuse_nul(data, path: str = "") -> None:
    """Raise a 400 naming the first field (a dotted path) whose text or key holds a NUL character."""
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise exceptions.ValidationError({where or "non_field_errors": ["The NUL character is not allowed."]})
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise exceptions.ValidationError(
                        {"non_field_errors": ["The NUL character is not allowed in a name."]}
                    )
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend((f"{where}.{n}" if where else str(n), item) for n, item in enumerate(value))
