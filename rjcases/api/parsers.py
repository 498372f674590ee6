"""The API's JSON, read with two limits a client can otherwise break the server with.

- Depth: JSON nested deeper than MAX_DEPTH is refused before anything walks it (a document nested
  a thousand deep made Python's own parser and the validators recurse until they failed).
- NUL: no text field may hold the NUL character, which PostgreSQL cannot store; the 400 names the
  field, as any other validation error does.
"""

import io
import re

from rest_framework import exceptions
from rest_framework.parsers import JSONParser, get_encoding

MAX_DEPTH = 32


class SafeJSONParser(JSONParser):
    """REST framework's JSON parser (strict: no NaN or Infinity), with the two limits above."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        # Counted before parsing; a body that does not decode is left for the parser to refuse.
        _check_depth(body.decode(get_encoding(parser_context or {}), errors="replace"))
        data = super().parse(io.BytesIO(body), media_type, parser_context)
        _refuse_nul(data)
        return data


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
