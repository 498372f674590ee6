"""Safe retries: a request sent again with the same `Idempotency-Key` gets the first reply again.

A records system that timed out does not know whether its referral was created; it sends the same
request with the same key and gets the same referral, never a second one. The same key with a
different body is a mistake on the client's side: 409. Replies are kept for 24 hours.
"""

import hashlib
import json
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from .concurrency import etag_of
from .errors import Conflict
from .models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)
HEADER = "Idempotency-Key"


def _request_hash(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise Conflict(
            f"This {HEADER} was already used with a different request body. Use a new key for a new request.",
            code="idempotency_key_reused",
        )
    headers = {"Idempotent-Replayed": "true"}
    if record.location:
        headers["Location"] = record.location
    if 200 <= record.status_code < 300 and record.response_body:
        headers["ETag"] = etag_of(record.response_body)  # the first reply's, as docs/api.md promises
    return Response(record.response_body, status=record.status_code, headers=headers)


def purge_expired_records() -> int:
    """Delete the replies older than KEEP_FOR; return how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted


def idempotent(request, *, operation: str, perform) -> Response:
    """Run `perform()` (which returns the Response) at most once per key; replay it for a retry.

    The record is inserted before the work, in the same transaction: a concurrent retry with the same
    key waits on the unique index until the first commits, then replays its reply. If the work fails
    (a validation error, a conflict), everything rolls back and the key can be used again.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return perform()
    key = key.strip()
    if not key or len(key) > 255:
        raise exceptions.ValidationError({HEADER: ["Send a key of 1 to 255 characters, e.g. a UUID."]})
    request_hash = _request_hash(request.data)
    purge_expired_records()
    found = IdempotencyRecord.objects.filter(user=request.user, operation=operation, key=key).first()
    if found is not None:
        return _replay(found, request_hash)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user,
                    operation=operation,
                    key=key,
                    request_hash=request_hash,
                    status_code=0,
                    response_body={},
                )
        except IntegrityError:
            record = None
        if record is not None:
            response = perform()
            record.status_code = response.status_code
            record.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            record.location = response.get("Location", "")
            record.save(update_fields=["status_code", "response_body", "location"])
            return response
    return _replay(IdempotencyRecord.objects.get(user=request.user, operation=operation, key=key), request_hash)
