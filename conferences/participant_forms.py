"""The participants' forms, through their links: answering an invitation, writing in an exchange.

In the participant's language: every string here is in the catalogues of every language offered
(tests/test_translations.py), as are those of the participants' pages and messages.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .exchanges import STATEMENT_MAX_LENGTH
from .models import Participant


class InvitationAnswerForm(forms.Form):
    """A participant's answer to their invitation, through its link (in their language)."""

    answer = forms.ChoiceField(
        label=_("Can you come?"),
        choices=[
            (Participant.Invitation.ACCEPTED, _("Yes, I will come")),
            (Participant.Invitation.DECLINED, _("No, I cannot come")),
            (Participant.Invitation.OTHER_TIME, _("I would like another time")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose one answer.")},
    )
    note = forms.CharField(
        label=_("Anything your facilitator should know?"),
        help_text=_(
            "Optional, except when you ask for another time: say which days or times suit you. "
            "Please do not write anyone else's name or contact details."
        ),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("answer") == Participant.Invitation.OTHER_TIME and not data.get("note", "").strip():
            self.add_error("note", _("Please say which days or times would suit you."))
        return data


class StatementForm(forms.Form):
    """What the participant writes, through their link (in their language): saved as a draft, or sent."""

    text = forms.CharField(
        label=_("What you would like to write"),
        required=False,
        max_length=STATEMENT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"max_length": _("Please keep it to %(limit_value)s characters (it has %(show_value)s).")},
    )
