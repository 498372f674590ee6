"""Forms of the follow-ups: a supervisor's answer to a reoffending check, the harmed party's survey."""

from django import forms
from django.utils.translation import gettext_lazy as _

from people.dates import PlainDateField

from .followups import answer_problems
from .forms import TEXT_LIMIT
from .models import ReoffendingCheck, SatisfactionSurvey

YES_NO = [("no", "No"), ("yes", "Yes")]


class ReoffendingCheckForm(forms.Form):
    """The answer to one reoffending check, checked against its due date and its case's closing."""

    reoffended = forms.TypedChoiceField(
        label="Re-arrested since the case closed?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Say whether they were re-arrested."},
    )
    reoffended_on = PlainDateField(
        label="Date of the re-arrest",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, check: ReoffendingCheck, **kwargs):
        kwargs.setdefault("auto_id", f"id_check{check.pk}_%s")
        if check.is_answered:  # a correction starts from the answer recorded
            answer = {"reoffended": "yes" if check.reoffended else "no", "reoffended_on": check.reoffended_on}
            kwargs["initial"] = {**answer, "note": check.note, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.check = check

    def clean(self):
        data = super().clean()
        if "reoffended" in data and "reoffended_on" in data:
            problems = answer_problems(
                check=self.check, reoffended=data["reoffended"], reoffended_on=data["reoffended_on"]
            )
            for field, message in problems.items():
                self.add_error(field or None, message)
        return data


ANSWERS = {"yes": True, "no": False, "not_sure": None}


def _yes_no_question(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", _("Yes")), ("no", _("No")), ("not_sure", _("Not sure"))],
        coerce=ANSWERS.get,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class SurveyForm(forms.Form):
    """The harmed party's satisfaction survey: one required question, the others optional."""

    satisfaction = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you with the restorative justice process?"),
        choices=list(reversed(SatisfactionSurvey.Score.choices)),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose one answer.")},
    )
    felt_heard = _yes_no_question(_("Did you feel listened to and heard?"))
    harm_repaired = _yes_no_question(_("Do you feel that the harm done to you has been put right?"))
    would_recommend = _yes_no_question(_("Would you recommend restorative justice to someone in your situation?"))
    comment = forms.CharField(
        label=_("Is there anything else you would like to tell us?"),
        help_text=_("Optional. Please do not include anyone's contact details."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
