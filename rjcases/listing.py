"""What every list page shares: sorting by whitelisted columns, and pages that never count everything.

Lists run over up to a million rows. A page fetches one row more than it shows to know whether
there is a next page, and the total is counted only up to COUNT_CAP ("1,000+"), so that no request
counts a million rows. Sorting takes only the keys a list declares, each ending with the primary
key in the same direction, so that equal values keep one order from page to page.
"""

from dataclasses import dataclass

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from drf_spectacular.utils import extend_schema_field

PAGE_SIZE = 25
COUNT_CAP = 1000
# A page number beyond this is refused: reaching it would mean skipping 250,000 rows.
MAX_PAGE = 10_000
MIN_NAME_LENGTH = 3
# A name search considers at most this many referrals (a common surname among a million people).
NAME_MATCH_CAP = 5000


def is_number_search(text: str) -> bool:
    """Text with a digit (0-9) is a reference or a police report number; other text is a person's name."""
    return any(character in "0123456789" for character in text)


def validate_search(text: str) -> None:
    """Refuse a name too short to search a million people by (a trigram index needs 3 characters)."""
    text = text.strip()
    if text and not is_number_search(text) and len(text) < MIN_NAME_LENGTH:
        raise ValidationError(
            f"Type at least {MIN_NAME_LENGTH} letters of a name, or a reference or police report number."
        )


# What validate_search lets through, for the API's schema: no search (blank), a reference or report
# number (a digit 0-9), or a name of at least MIN_NAME_LENGTH characters once trimmed; never NUL.
# The spaces are spelled out (those str.strip() takes away), since regular expression engines differ on \s.
SPACES = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INNER = MIN_NAME_LENGTH - 2  # characters between a name's first and last (which are not spaces)
SEARCH_PATTERN = (
    rf"^(?:[{SPACES}]*|[^\x00]*[0-9][^\x00]*|[{SPACES}]*[^{SPACES}\x00][^\x00]{{{_INNER},}}[^{SPACES}\x00][{SPACES}]*)$"
)


@extend_schema_field({"type": "string", "pattern": SEARCH_PATTERN})
class SearchFilter(django_filters.CharFilter):
    """The lists' one search box: a reference, a police report number or a name (the FilterSet's `search`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Reference, report number or name")
        super().__init__(method="search", validators=[validate_search], **kwargs)


@dataclass(frozen=True)
class Sorting:
    """The chosen sort key of a list, from `?sort=key` or `?sort=-key` (descending).

    `columns` maps each allowed key to the fields (or expressions) it orders by, ascending.
    An unknown key falls back to `default` and sets `ignored`, so that the page can say so.
    """

    columns: dict
    key: str
    descending: bool
    ignored: bool = False

    @classmethod
    def from_request(cls, request, columns: dict, default: str) -> "Sorting":
        value = request.GET.get("sort", "").strip() or default
        ignored = value.removeprefix("-") not in columns
        if ignored:
            value = default
        return cls(columns=columns, key=value.removeprefix("-"), descending=value.startswith("-"), ignored=ignored)

    def order(self, queryset):
        """Return `queryset` in this order, the primary key last as the tiebreaker."""
        fields = [*self.columns[self.key], "pk"]
        return queryset.order_by(*[self._directed(field) for field in fields])

    def _directed(self, field):
        expression = F(field) if isinstance(field, str) else field
        return expression.desc() if self.descending else expression.asc()

    def param_for(self, key: str) -> str:
        """Return the `sort` value a column header links to: its key, reversed if it is the current one."""
        if key == self.key and not self.descending:
            return f"-{key}"
        return key


@dataclass
class ListPage:
    """One page of a list, without a paginator that counts every row."""

    object_list: list
    number: int
    has_next: bool
    total: int
    per_page: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def count_label(self) -> str:
        """Return the number of matching rows, or "1,000+" beyond the cap."""
        return f"{COUNT_CAP:,}+" if self.total > COUNT_CAP else f"{self.total:,}"

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)


def page_number(request) -> int:
    """Return the requested page number; anything that is not a page number means the first page."""
    try:
        number = int(request.GET.get("page", 1))
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_PAGE else 1


def _rows(queryset, number: int, per_page: int) -> list:
    """Return the rows of page `number`, and the first row of the next page if there is one."""
    start = (number - 1) * per_page
    return list(queryset[start : start + per_page + 1])


def paginate(request, queryset, *, per_page: int = PAGE_SIZE) -> ListPage:
    """Return the requested page of the (ordered) `queryset`: two queries, whatever the page size."""
    number = page_number(request)
    rows = _rows(queryset, number, per_page)
    total = queryset.order_by()[: COUNT_CAP + 1].count()
    if not rows and number > 1 and 0 < total <= COUNT_CAP:
        # Past the end (an old link, a hand-typed number): show the last page, as Django's Paginator does.
        number = (total - 1) // per_page + 1
        rows = _rows(queryset, number, per_page)
    return ListPage(
        object_list=rows[:per_page], number=number, has_next=len(rows) > per_page, total=total, per_page=per_page
    )


def sort_and_paginate(request, queryset, *, columns: dict, default: str) -> tuple[Sorting, ListPage]:
    """Return the list's sorting and the requested page; a sort key not offered is ignored, and said so."""
    sorting = Sorting.from_request(request, columns, default)
    if sorting.ignored:
        messages.warning(request, "The list cannot be sorted that way: it is shown in its usual order.")
    return sorting, paginate(request, sorting.order(queryset))
