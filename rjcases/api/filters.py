"""The lists' filters: a value the schema does not allow is a 400, never quietly ignored; an id
the schema allows but no record has matches nothing."""

import re

from django_filters import BooleanFilter, CharFilter, ModelChoiceFilter, utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = ("true", "false")
EMPTY_FILTER = "Send a value, or leave the filter out."
WHOLE_NUMBER = re.compile(r"-?[0-9]+")


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, with yes/no filters that accept only `true` and `false`, and no
    empty value for a filter of choices, ids or dates (the pages' forms read it as "any").

    Choices and dates are refused by the filter forms already; a boolean's form field reads
    anything it does not know as "no filter", which would answer a typo with every record. A filter
    by a record's id (`offence_category`, `partner`) with a whole number that is the id of no record
    the list knows answers with an empty list, as the schema describes an id: an integer.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            if set(filterset.errors) <= self._ids_of_no_record(filterset, request):
                return queryset.none()
            raise utils.translate_validation(filterset.errors)
        return filterset.qs

    @staticmethod
    def _ids_of_no_record(filterset, request) -> set[str]:
        return {
            name
            for name, item in filterset.filters.items()
            if isinstance(item, ModelChoiceFilter) and WHOLE_NUMBER.fullmatch(request.query_params.get(name, ""))
        }

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, item in filterset.filters.items():
                sent = request.query_params.get(name)
                if sent is None or isinstance(item, CharFilter):
                    continue
                if isinstance(item, BooleanFilter) and sent not in BOOLEAN_VALUES:
                    errors[name] = [f"Send `true` or `false`, not {sent!r}."]
                elif not sent.strip():
                    errors[name] = [EMPTY_FILTER]
            if errors:
                raise ValidationError(errors)
        return filterset
