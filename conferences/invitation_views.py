"""The participant's invitation page: when and where, their answer, and the join link when it is time."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from people.links import participant_page, speak_their_language

from . import invitations
from .invitations import InvitationAlreadyAnswered, InvitationCancelled, InvitationLinkError, InvitationLinkExpired
from .participant_forms import InvitationAnswerForm


def _link_problem(request, error: InvitationLinkError):
    if isinstance(error, InvitationCancelled):
        problem, status = "cancelled", 410
    elif isinstance(error, InvitationLinkExpired):
        problem, status = "expired", 410
    else:
        problem, status = "unknown", 404
    return render(request, "invitation/link_problem.html", {"problem": problem}, status=status)


@participant_page
@require_http_methods(["GET", "POST"])
def answer(request, token):
    """Show the invitation a link opens; take the participant's answer once."""
    try:
        participant = invitations.participant_for_link(token)
    except InvitationLinkError as error:
        return _link_problem(request, error)
    speak_their_language(request, participant.person)
    form, status = None, 200
    if participant.answered_at is None:
        form = InvitationAnswerForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if form.is_valid():
                try:
                    participant = invitations.answer_invitation(participant=participant, **form.cleaned_data)
                    form = None
                except InvitationAlreadyAnswered:
                    form, status = None, 409
                except InvitationLinkError as error:
                    return _link_problem(request, error)
            else:
                status = 400
    elif request.method == "POST":
        status = 409  # answered before: the page says what, and whom to ask to change it
    conference = participant.conference
    context = {
        "participant": participant,
        "conference": conference,
        "form": form,
        "join_link": conference.meeting_link if invitations.join_link_shown(conference) else "",
        "online": conference.mode == conference.Mode.VIRTUAL,
    }
    return render(request, "invitation/answer.html", context, status=status)
