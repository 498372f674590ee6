"""What cases does when a lower floor announces something (rjcases/workflow.py)."""

from django.dispatch import receiver

from rjcases import workflow

from .transitions import open_case


@receiver(workflow.referral_accepted)
def _referral_accepted(sender, referral, by, **kwargs):
    """An accepted referral opens its case, in the acceptance's transaction."""
    open_case(referral=referral, by=by)
