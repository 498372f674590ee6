from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .sessions import seconds_left


@login_not_required
@require_http_methods(["GET", "POST"])
def session_status(request):
    """Say how long the session has left. GET only reads (the warning's clock); POST is activity and
    so keeps the session going ("Stay signed in"). A session already ended answers 0."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    return JsonResponse({"signed_in": True, "seconds_left": seconds_left(request.session, timezone.now().timestamp())})
