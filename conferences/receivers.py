"""What conferences does when a lower floor announces something (rjcases/workflow.py)."""

from django.dispatch import receiver

from rjcases import workflow

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
    """A participant who withdrew their consent to take part can no longer answer through their link."""
    void_links_without_consent(case)
