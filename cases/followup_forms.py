"""Forms of the follow-ups: a supervisor's answer to a reoffending check (the survey's is in survey_forms.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from people.dates import PlainDateField

from .followups import answer_problems
from .forms import TEXT_LIMIT
from .models import ReoffendingCheck

YES_NO = [("no", _("No")), ("yes", _("Yes"))]


class ReoffendingCheckForm(forms.Form):
    """The answer to one reoffending check, checked against its due date and when its follow-up began."""

    reoffended = forms.TypedChoiceField(
        label=_("Re-arrested since the case closed?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Say whether they were re-arrested.")},
    )
    reoffended_on = PlainDateField(
        label=_("Date of the re-arrest"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"),
    )
    offences = forms.IntegerField(
        label=_("New offences (if known)"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("How many new offences the records show since the follow-up began, if they say."),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, check: ReoffendingCheck, **kwargs):
        kwargs.setdefault("auto_id", f"id_check{check.pk}_%s")
        if check.is_answered:  # a correction starts from the answer recorded
            answer = {
                "reoffended": "yes" if check.reoffended else "no",
                "reoffended_on": check.reoffended_on,
                "offences": check.offences,
            }
            kwargs["initial"] = {**answer, "note": check.note, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.check = check
        if check.is_comparison:
            self.fields["reoffended"].label = _("Re-arrested since the referral was declined?")

    def clean(self):
        data = super().clean()
        if "reoffended" in data and "reoffended_on" in data and "offences" in data:
            problems = answer_problems(
                check=self.check,
                reoffended=data["reoffended"],
                reoffended_on=data["reoffended_on"],
                offences=data["offences"],
            )
            for field, message in problems.items():
                self.add_error(field or None, message)
        return data
