"""Keyset (cursor) pagination: pages stay stable while records are added, and deep pages stay fast."""

from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Newest first by primary key. `cursor` comes from the `next` and `previous` links."""

    ordering = "-pk"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
