"""The planner listens to what the writers announce (rjcases/workflow.py) and replans from the rows;
when a change leaves reminders due now, a worker is asked to sweep at once.

Each receiver runs inside the writer's transaction, as a direct call would: a reminder row is
planned with the change that calls for it, or not at all.
"""

from django.dispatch import receiver

from referrals.models import ReferralStatus
from rjcases import workflow

from . import planning, training, webhooks
from .tasks import nudge, send_due_webhooks, send_reminders_now


@receiver(workflow.referral_moved)
def _referral_moved(sender, referral, **kwargs):
    planning.plan_referral_reminders(referral)
    if referral.status != ReferralStatus.ACCEPTED and webhooks.plan_referral_events(referral):
        webhooks.send_soon()


@receiver(workflow.referral_accepted)
def _referral_accepted(sender, referral, **kwargs):
    """After cases opened its case (an earlier receiver), so that the event names it."""
    if webhooks.plan_referral_events(referral):
        webhooks.send_soon()


@receiver(workflow.case_moved)
def _case_moved(sender, case, **kwargs):
    if case.is_open:
        planning.plan_stalled_case_reminders(case)
    else:
        planning.plan_case_closed_reminders(case)
        planning.plan_harmed_party_notices(case)
        if webhooks.plan_case_events(case):
            webhooks.send_soon()


@receiver(workflow.case_activity)
def _case_activity(sender, case, **kwargs):
    planning.plan_stalled_case_reminders(case)


@receiver(workflow.case_assigned)
@receiver(workflow.agreement_changed)
def _agreement_people_changed(sender, case, **kwargs):
    planning.plan_agreement_reminders(case)
    planning.plan_harmed_party_notices(case)
    webhooks.plan_agreement_events(case)


@receiver(workflow.consent_changed)
@receiver(workflow.contact_changed)
def _consent_changed(sender, case, **kwargs):
    planning.plan_case_conference_reminders(case)
    planning.plan_agreement_reminders(case)
    planning.plan_harmed_party_notices(case)
    planning.plan_case_exchange_messages(case)


@receiver(workflow.exchange_changed)
def _exchange_changed(sender, exchange, **kwargs):
    planning.plan_exchange_messages(exchange)


@receiver(workflow.conference_changed)
def _conference_changed(sender, conference, **kwargs):
    planning.plan_conference_reminders(conference)


@receiver(workflow.item_changed)
def _item_changed(sender, item, **kwargs):
    planning.plan_item_reminders(item)
    planning.plan_harmed_party_notices(item.agreement.case)
    webhooks.plan_item_events(item)


@receiver(workflow.accreditation_changed)
def _accreditation_changed(sender, accreditation, **kwargs):
    training.plan_accreditation_reminders(accreditation)


@receiver(workflow.training_session_changed)
def _training_session_changed(sender, session, **kwargs):
    """Replanned from the session's rows: `invited` is in them already, and a move is its new sequence."""
    training.plan_training_session_messages(session)


@receiver(planning.reminders_due)
def _nudge_worker(sender, **kwargs):
    nudge(send_reminders_now, "due reminders")


@receiver(webhooks.webhooks_due)
def _nudge_webhook_worker(sender, **kwargs):
    nudge(send_due_webhooks, "webhooks")
