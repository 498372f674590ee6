"""The OpenAPI description: every operation lists the errors it can answer with, in their one shape."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from rjcases.listing import SPACES

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

# An empty If-Match is no If-Match: ignored where it is optional, a 428 where it is required.
ETAG_VALUE = {"type": "string", "minLength": 1}

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the version you change, from a GET of the record.",
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    ETAG_VALUE,
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


# --- Links: how one reply leads to the next request ---------------------------------------------

# Fields of a reply that hold the id of a record of another resource.
_REFERENCES = {
    "case": "cases",  # a referral's case (once accepted), a conference's case
}
# Sub-records of a reply whose first id feeds a nested path parameter.
_NESTED = {
    "participant_pk": "/participants/0/id",
}


NO_NUL = r"^[^\x00]*$"
# Text that may not be blank: REST framework trims the spaces first, so one character must be other.
NOT_BLANK = rf"^[^\x00]*[^{SPACES}\x00][^\x00]*$"


def refuse_nul(result, generator, request, public):
    """Say in the schema that text never holds the NUL character, which every input refuses with a
    400 naming the field (rjcases/api/parsers.py, rjcases/security.py): a string sent without a
    pattern, format or choices of its own gets one, and so do objects' keys; a string that may not
    be blank says that spaces alone are blank (drf-spectacular postprocessing hook)."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and not ({"pattern", "format", "enum"} & node.keys()):
                node["pattern"] = NOT_BLANK if node.get("minLength", 0) >= 1 else NO_NUL
            if node.get("type") == "object":
                node.setdefault("propertyNames", {"pattern": NO_NUL})  # keys too
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for item in result.get("paths", {}).values():
        for operation in item.values():
            walk(operation.get("parameters", []))
            walk(operation.get("requestBody", {}))
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # what clients send (COMPONENT_SPLIT_REQUEST)
            walk(component)
    return result


def add_links(result, generator, request, public):
    """Describe, as OpenAPI links, how a reply leads to the next request (drf-spectacular postprocessing hook).

    A reply that is one record links to every operation on that record: its id fills `{id}` and
    its ETag the If-Match of a change. A field naming another record (`case`) links to that
    record's operations; a list links to reading its first record, and the items of a new
    agreement to the first item's operations.
    Clients (and the schema's fuzzing) follow them instead of guessing ids.
    """
    schemas = result.get("components", {}).get("schemas", {})
    by_resource = {}
    for path, item in result.get("paths", {}).items():
        parts = path.strip("/").split("/")
        if len(parts) >= 4 and parts[3] == "{id}":
            by_resource.setdefault(parts[2], []).extend((path, op) for op in item.values())
    for path, item in result.get("paths", {}).items():
        resource = path.strip("/").split("/")[2]
        for operation in item.values():
            for code, response in operation.get("responses", {}).items():
                if not code.startswith("2"):
                    continue
                body = _component(response, schemas)
                if body is None:
                    continue
                properties = body.get("properties", {})
                links = {}
                if "id" in properties:
                    links.update(_links_to(by_resource.get(resource, []), "$response.body#/id", etag=True))
                for field, target in _REFERENCES.items():
                    if field in properties and target != resource:
                        links.update(_links_to(by_resource.get(target, []), f"$response.body#/{field}"))
                if "results" in properties and "{id}" in path:  # the items of a new agreement: the first
                    links.update(_links_to(by_resource.get("agreement-items", []), "$response.body#/results/0/id"))
                elif "results" in properties:  # a list: its first record, read whole (which links on)
                    reads = [(p, op) for p, op in by_resource.get(resource, []) if p.count("/") == 5]
                    links.update(_links_to(reads, "$response.body#/results/0/id", reads_only=True))
                if links:
                    response["links"] = links
    return result


def _component(response, schemas):
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return schemas.get(ref.rsplit("/", 1)[-1]) if ref else None


def _links_to(operations, id_expression: str, *, etag: bool = False, reads_only: bool = False) -> dict:
    links = {}
    for path, operation in operations:
        if reads_only and operation["operationId"].rsplit("_", 1)[-1] != "retrieve":
            continue
        parameters = {"path.id": id_expression}
        for name, expression in _NESTED.items():
            if "{" + name + "}" in path:
                parameters[f"path.{name}"] = "$response.body#" + expression
        if etag and any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
            parameters["header.If-Match"] = "$response.header.ETag"
        links[operation["operationId"]] = {"operationId": operation["operationId"], "parameters": parameters}
    return links
