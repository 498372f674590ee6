"""Input rules live in the pages' forms; the API runs its JSON through the same forms."""

from rest_framework import serializers


def form_value(value):
    """Return a JSON value as a browser would post it: booleans as the forms' yes / no."""
    if value is None:
        return ""
    if isinstance(value, list):
        return [form_value(item) for item in value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def form_errors(form) -> dict:
    return {name: list(messages) for name, messages in form.errors.items()}


def formset_errors(formset, name: str) -> dict:
    """Return a formset's messages: one dict per row under `name`, and the formset's own."""
    errors = {}
    if any(formset.errors):
        errors[name] = [dict(row) for row in formset.errors]
    if formset.non_form_errors():
        errors["non_field_errors"] = list(formset.non_form_errors())
    return errors


def valid_form(form_class, data: dict, **kwargs):
    """Return the page's form bound to `data` and valid, or raise a 400 with the form's messages."""
    form = form_class(data={name: form_value(value) for name, value in data.items()}, **kwargs)
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form))
    return form


def check_with_form(form_class, data: dict, **kwargs) -> dict:
    """Validate `data` with the page's form; return its cleaned data or raise a 400 with its messages."""
    return valid_form(form_class, data, **kwargs).cleaned_data


class PlainDateField(serializers.DateField):
    """A date written with the digits 0-9, as the pages' forms ask (people/dates.py)."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.isascii():
            self.fail("invalid", format="YYYY-MM-DD, with the digits 0-9")
        return super().to_internal_value(value)
