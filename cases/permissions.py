"""Who may see which case: the one place pages, API and exports ask."""

from django.shortcuts import get_object_or_404

from .models import Case


def cases_for_user(user):
    """Return the cases `user` may see: supervisors all, facilitators those assigned to them."""
    cases = Case.objects.all()
    if not user.is_authenticated:
        return cases.none()
    if user.is_supervisor:
        return cases
    if user.is_facilitator:
        return cases.filter(facilitator=user)
    return cases.none()


def get_case_for_user(user, pk) -> Case:
    """Return the case if `user` may see it; 404 otherwise, so that ids cannot be probed."""
    return get_object_or_404(cases_for_user(user).select_related("referral__offence_category", "facilitator"), pk=pk)
