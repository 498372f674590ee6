"""The OpenAPI description: every operation lists the errors it can answer with, in their one shape."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from .errors import ErrorSerializer

_DESCRIPTIONS = {
    "400": "Invalid input: `fields` says what is wrong with each field.",
    "401": "No credentials, or an API key that is not valid, was revoked or expired (`key_expired`).",
    "403": "Not allowed for this caller (role, or a read-only key).",
    "404": "No such record, or not one the caller may see (e.g. another agency's).",
    "409": "Not possible now (e.g. the status does not allow the move), or a clash.",
    "406": "Only `application/json` can be sent back: ask for it in Accept, or send no Accept.",
    "412": "The record changed since the ETag sent in If-Match: fetch it again.",
    "413": "The body is larger than the API accepts (`MAX_BODY_BYTES`, 2.5 MB by default): send less at a time.",
    "415": "The body must be JSON.",
    "428": "If-Match is required: send the ETag of the version you change.",
    "429": "Too many requests, or too many refused keys from this address: wait the number of seconds in Retry-After.",
    "500": "A fault on the server's side; it is logged. Retrying later with the same Idempotency-Key is safe.",
}

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the version you change, from a GET of the record.",
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the version you change, from a GET of the record (428 without it).",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A key of your choice (e.g. a UUID): a retry with the same key and body returns the first "
    "reply instead of creating again; the same key with another body is a 409. Kept 24 hours.",
)


ETAG = "The version of the record returned: send it in If-Match to change the record."
RETRY_AFTER = OpenApiParameter(
    "Retry-After", int, OpenApiParameter.HEADER, response=["429"], description="Seconds to wait before trying again."
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    OpenApiParameter.HEADER,
    response=["201"],
    description="`true` when this is the reply to an earlier request with the same Idempotency-Key.",
)


class ApiAutoSchema(AutoSchema):
    """Adds the error responses each operation can give, and the headers of its replies, so that clients
    (and tests) can rely on them."""

    def get_override_parameters(self):
        headers = [RETRY_AFTER]
        if self._is_object_action() or self.method == "POST":
            codes = ["201"] if self.method == "POST" and not self._is_object_action() else ["200"]
            headers.append(OpenApiParameter("ETag", str, OpenApiParameter.HEADER, response=codes, description=ETAG))
        if self.method == "POST" and not self._is_object_action():
            headers.append(
                OpenApiParameter(
                    "Location", str, OpenApiParameter.HEADER, response=["201"], description="The new record's address."
                )
            )
        return headers + super().get_override_parameters()

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "404", "406", "429", "500"]
        if self.method in ("POST", "PATCH", "PUT"):
            codes += ["400", "409", "413", "415"]
            if self.method != "POST" or self._is_object_action():
                codes.append("412")
            if self.method in ("PATCH", "PUT"):
                codes.append("428")
        elif self._is_list_view():
            codes.append("400")
        return codes

    def _is_object_action(self) -> bool:
        return "{id}" in self.path

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = _DESCRIPTIONS[code]
                responses[code] = response
        return responses
