"""What every API view shares: authentication, scope, throttling, pagination and versions.

Writes are audited by the writer (people/audit.py), which names the API key they came through.
"""

from rest_framework import mixins, viewsets
from rest_framework.response import Response

from .concurrency import check_if_match, etag_of


class ApiViewSet(viewsets.GenericViewSet):
    """The base of the API's view sets.

    A read of one record sends its ETag.
    """

    lookup_value_regex = r"[0-9]+"

    def detail_data(self, record) -> dict:
        """Return the representation of `record` that a GET of it answers with."""
        return self.get_serializer(record).data

    def check_version(self, record, *, required: bool) -> None:
        """Compare If-Match with the ETag of `record`, which the caller has locked for this transaction.

        Updates require If-Match (428 without it); moves check it when sent, since the table of
        allowed moves already refuses a move from a status that changed meanwhile.
        """
        if required or "If-Match" in self.request.headers:
            check_if_match(self.request, etag_of(self.detail_data(record)), required=required)

    def locked(self, model, fetch, pk, *, if_match_required: bool = False, **access):
        """Return the record `fetch(user, pk, **access)` gives, its row locked for this transaction,
        after checking If-Match against the locked version.

        Access is checked before the lock, so that an id the caller may not see is a 404 and locks
        nothing; the record is fetched again under the lock, so that the version checked is current.
        """
        fetch(self.request.user, pk, **access)
        model.objects.select_for_update().filter(pk=pk).first()
        record = fetch(self.request.user, pk, **access)
        self.check_version(record, required=if_match_required)
        return record

    def respond(self, record, *, status=200, headers=None):
        """Answer with the record's representation and its new ETag."""
        response = Response(self.detail_data(record), status=status, headers=headers)
        return self.respond_with_etag(response)

    def respond_with_etag(self, response):
        """Send the ETag of the representation in `response`: the If-Match of the next change."""
        response["ETag"] = etag_of(response.data)
        return response


class ReadOnlyApiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """List and read, with the ETag of each record read."""

    def retrieve(self, request, *args, **kwargs):
        return self.respond_with_etag(super().retrieve(request, *args, **kwargs))
