"""Dates a person or a client types: plain digits, and within what is possible for the programme.

The pages' forms use these, and the API runs its JSON through the same forms, so that a date the
site refuses the API refuses in the same words.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST_INCIDENT = date(1900, 1, 1)
OLDEST_AGE = 120


class PlainDateField(forms.DateField):
    """A date written with the digits 0-9 (Python would also read other scripts' digits)."""

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise ValidationError("Write the date with the digits 0-9, for example 2026-03-31.", code="invalid")
        return super().to_python(value)


def check_incident_date(day: date) -> None:
    if day > timezone.localdate():
        raise ValidationError("The incident date cannot be in the future.")
    if day < EARLIEST_INCIDENT:
        raise ValidationError(f"The incident date cannot be before {EARLIEST_INCIDENT:%Y}.")


def check_date_of_birth(born: date) -> None:
    today = timezone.localdate()
    if born > today:
        raise ValidationError("The date of birth cannot be in the future.")
    try:
        oldest = today.replace(year=today.year - OLDEST_AGE)
    except ValueError:  # 29 February
        oldest = today.replace(year=today.year - OLDEST_AGE, day=28)
    if born < oldest:
        raise ValidationError(f"The date of birth makes the person older than {OLDEST_AGE}: check the year.")


def check_recent_past(day: date, *, what: str, years: int = 10) -> None:
    """Refuse a day of something that happened and is recorded now: not ahead, nor `years` back or more."""
    today = timezone.localdate()
    if day > today:
        raise ValidationError(f"{what} cannot be in the future.")
    try:
        earliest = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        earliest = today.replace(year=today.year - years, day=28)
    if day <= earliest:
        raise ValidationError(f"{what} cannot be {years} years ago or more: check the year.")
