"""Keyset (cursor) pagination: pages stay stable while records are added, and deep pages stay fast."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Newest first by primary key. `cursor` comes from the `next` and `previous` links."""

    ordering = "-pk"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request):
        """Refuse a cursor that decodes but holds no key (an id), as DRF refuses one that does not decode."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except (TypeError, ValueError):
                raise NotFound(self.invalid_cursor_message) from None
        return cursor
