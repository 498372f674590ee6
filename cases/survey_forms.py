"""The harmed party's satisfaction survey, answered through its link in their language.

Every string here is in the catalogues of every language offered (tests/test_translations.py).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SatisfactionSurvey

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
