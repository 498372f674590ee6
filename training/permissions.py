"""Who may see and change which training records: the one place pages, API and exports ask.

Supervisors run the training: they schedule sessions, invite, record attendance and observed
practice, and grant accreditations. Everyone else sees their own record and the sessions they are
invited to; a facilitator's accreditations are theirs and the supervisors' to read.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from people.models import User

from .models import Accreditation, TrainingSession
from .services import TRAINABLE_ROLES


def can_run_training(user) -> bool:
    return user.is_authenticated and user.is_supervisor


def sessions_for_user(user):
    """Return the sessions `user` may see: all for supervisors, those they are invited to otherwise."""
    if not user.is_authenticated:
        return TrainingSession.objects.none()
    sessions = TrainingSession.objects.select_related("course")
    if can_run_training(user):
        return sessions
    return sessions.filter(attendances__user=user)


def get_session_for_user(user, pk, *, write=False) -> TrainingSession:
    """Return the session if `user` may see it (404 otherwise); with write, also run it (403)."""
    session = get_object_or_404(sessions_for_user(user), pk=pk)
    if write and not can_run_training(user):
        raise PermissionDenied("Only supervisors run training sessions.")
    return session


def trainees_for_user(user):
    """Return the people whose training record `user` may read: everyone's for supervisors, their own otherwise."""
    if not user.is_authenticated:
        return User.objects.none()
    people = User.objects.filter(role__in=TRAINABLE_ROLES)
    return people if can_run_training(user) else people.filter(pk=user.pk)


def get_trainee_for_user(user, pk, *, write=False) -> User:
    """Return the person whose record it is if `user` may read it (404); with write, also record on it (403)."""
    person = get_object_or_404(trainees_for_user(user).select_related("unit", "partner"), pk=pk)
    if write and not can_run_training(user):
        raise PermissionDenied("Only supervisors record training, observations and accreditations.")
    return person


def accreditations_for_user(user):
    """Return the accreditations `user` may read: everyone's for supervisors, a facilitator's own otherwise."""
    if not user.is_authenticated:
        return Accreditation.objects.none()
    accreditations = Accreditation.objects.select_related("facilitator")
    return accreditations if can_run_training(user) else accreditations.filter(facilitator=user)
