"""One JSON shape for every error the API returns.

    {"error": {"status": 409, "code": "invalid_transition", "message": "…", "fields": {"name": ["…"]}}}

Services raise their own exceptions ("not possible now", "clash"); they become 409 here, so that views
never translate them one by one. Permission errors stay 403 and a record outside the caller's reach 404.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rjcases import workflow


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the record."
    default_code = "conflict"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send the record's ETag in an If-Match header: fetch it first, then change it."
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you fetched it: fetch it again and reapply your change."
    default_code = "precondition_failed"


def _translate(exc):
    """Return the API exception standing for `exc`, or None for an unexpected error (a 500)."""
    if isinstance(exc, Http404):
        return exceptions.NotFound("Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, workflow.Conflict):  # "not possible now", a clash of bookings
        return Conflict(str(exc), code=exc.code)
    if isinstance(exc, workflow.InputRequired):  # e.g. an override without its justification
        return exceptions.ValidationError({exc.field: [str(exc)]}, code=exc.code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return exceptions.ValidationError(detail)
    return exc


def _code(exc, detail) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _message(exc, detail) -> str:
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict) and list(detail) == ["non_field_errors"]:
            return " ".join(str(m) for m in detail["non_field_errors"])
        return "The request has invalid fields: see `fields`."
    return str(detail)


def _fields(exc, detail) -> dict:
    if not isinstance(exc, exceptions.ValidationError):
        return {}
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def exception_handler(exc, context):
    """Answer every error in one shape, keeping DRF's headers (WWW-Authenticate, Retry-After, Allow)."""
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    body = {
        "status": response.status_code,
        "code": _code(exc, detail),
        "message": _message(exc, detail),
        "fields": _fields(exc, detail),
    }
    return Response({"error": body}, status=response.status_code, headers=_headers(response))


def _headers(response) -> dict:
    return {name: value for name, value in response.items() if name.lower() != "content-type"}


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code again.")
    code = serializers.CharField(help_text="A stable, machine-readable code, e.g. `invalid_transition`.")
    message = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text="For 400: the message(s) of each field that was wrong, keyed by field name.",
    )


class ErrorSerializer(serializers.Serializer):
    """The shape of every error response."""

    error = ErrorBodySerializer()


# --- Errors Django answers before any API view runs -----------------------------------------------
# An address that matches no route, a body over DATA_UPLOAD_MAX_MEMORY_SIZE, an exception no view
# caught: under /api/ these are answered in the same JSON as the rest, elsewhere with the site's pages.

BODY_TOO_LARGE = "The request body is larger than the API accepts ({limit} bytes): send less at a time."


def error_response(status_code: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    """Return the API's error shape outside a REST framework view."""
    body = {"status": status_code, "code": code, "message": message, "fields": fields or {}}
    return JsonResponse({"error": body}, status=status_code)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception=None):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        message = BODY_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return error_response(413, "request_too_large", message)
    return error_response(400, "bad_request", "The request could not be read.")


def permission_denied(request, exception=None):
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    message = str(exception or "") or "You do not have permission to perform this action."
    return error_response(403, "permission_denied", message)


def page_not_found(request, exception=None):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, "not_found", "There is nothing at this address: check the path and the id.")


def server_error(request):
    if not _is_api(request):
        return defaults.server_error(request)
    return error_response(500, "server_error", "Something went wrong on our side; it has been logged. Try again.")
