"""Keyset (cursor) pagination: pages stay stable while records are added, and deep pages stay fast."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Newest first by primary key. `cursor` comes from the `next` and `previous` links."""

    ordering = "-pk"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    page_size_query_description = f"Records per page, 1 to {max_page_size} ({page_size} when not sent)."

    def get_page_size(self, request):
        """Refuse a page size that is not a whole number from 1 to `max_page_size`, instead of ignoring it."""
        sent = request.query_params.get(self.page_size_query_param)
        if sent is None:
            return self.page_size
        if not (sent.isascii() and sent.isdigit() and 1 <= int(sent) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [f"Send a whole number from 1 to {self.max_page_size}."]}
            )
        return int(sent)

    def decode_cursor(self, request):
        """Refuse a cursor that decodes but holds no key (an id), as DRF refuses one that does not decode."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except (TypeError, ValueError):
                raise NotFound(self.invalid_cursor_message) from None
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
