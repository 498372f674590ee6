"""Optimistic concurrency: an update names the version it changes (If-Match: <ETag>), or is refused.

The ETag is a hash of the record's representation, so any change anyone made (a field, a party, a
move) gives a new one. It is compared while the record's row is locked, so that two clients that
fetched the same version cannot both write: the second gets 412 and fetches again.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

from .errors import PreconditionFailed, PreconditionRequired


def etag_of(data) -> str:
    """Return the strong ETag of a representation."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()
    return f'"{digest[:32]}"'


def check_if_match(request, current_etag: str, *, required: bool) -> None:
    """Refuse the request if its If-Match does not name the current version (428 if it names none)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return
    tags = [tag.strip() for tag in header.split(",")]  # If-Match compares strongly: a weak tag never matches
    if "*" not in tags and current_etag not in tags:
        raise PreconditionFailed()
