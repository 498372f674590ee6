"""What cases does when a lower floor announces something (rjcases/workflow.py)."""

from django.dispatch import receiver

from rjcases import workflow

from .followups import create_comparison_checks
from .transitions import open_case


@receiver(workflow.referral_accepted)
def _referral_accepted(sender, referral, by, **kwargs):
    """An accepted referral opens its case, in the acceptance's transaction."""
    open_case(referral=referral, by=by)


@receiver(workflow.referral_moved)
def _referral_moved(sender, referral, **kwargs):
    """A referral declined while eligible is followed up for reoffending, as the comparison group."""
    create_comparison_checks(referral=referral)
