"""What conferences does when a lower floor announces something (rjcases/workflow.py)."""

from django.dispatch import receiver

from rjcases import workflow

from .exchanges import close_exchanges_of_closed_case, close_exchanges_without_consent
from .invitations import void_links_without_consent
from .models import ConferenceStatus
from .services import cancel_conference


@receiver(workflow.case_cannot_meet)
def _case_cannot_meet(sender, case, by, reason, **kwargs):
    """A case that can no longer meet frees its scheduled conferences' bookings."""
    for conference in case.conferences.filter(status=ConferenceStatus.SCHEDULED):
        cancel_conference(conference=conference, by=by, reason=reason)


@receiver(workflow.consent_changed)
def _consent_changed(sender, case, **kwargs):
    """A participant who withdrew a consent can no longer use the links it allowed."""
    void_links_without_consent(case)
    close_exchanges_without_consent(case)  # withdrawing the consent to an exchange closes it


@receiver(workflow.case_moved)
def _case_moved(sender, case, **kwargs):
    """A closed case's exchanges close with it: their participants' links stop."""
    close_exchanges_of_closed_case(case)
