"""The conferences and agreement items API: scheduling and recording for the case's facilitators and
supervisors; progress on agreement items for them and for the partners who supervise the items."""

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cases.permissions import get_case_for_user
from people.audit import record_audit
from people.models import AuditEntry
from rjcases.api.schema import IF_MATCH
from rjcases.api.validation import check_with_form, formset_errors, valid_form
from rjcases.api.views import ReadOnlyApiViewSet
from rjcases.workflow import InvalidTransition

from . import services
from .agreement_forms import (
    AgreementForm,
    HoursForm,
    ItemFilter,
    ItemStatusForm,
    PaymentForm,
    RenegotiateForm,
    item_formset,
)
from .forms import HoldForm, InvitationForm, ParticipantForm, ReasonForm, RescheduleForm, ScheduleForm
from .models import AgreementItem, Conference, ConferenceFacilitator, ConferenceStatus
from .permissions import conferences_for_user, get_conference_for_user, get_item_for_user, items_for_user
from .serializers import (
    AgreementInputSerializer,
    CancelSerializer,
    ConferenceListSerializer,
    ConferenceSerializer,
    HoldSerializer,
    HoursSerializer,
    InvitationSerializer,
    ItemSerializer,
    ItemStatusSerializer,
    ParticipantInputSerializer,
    PaymentSerializer,
    RenegotiationSerializer,
    RescheduleSerializer,
    ScheduleSerializer,
)

CONFERENCES, ITEMS = ["conferences"], ["agreement items"]


def _conference_move(request_serializer, summary):
    return extend_schema(
        tags=CONFERENCES,
        request=request_serializer,
        responses=ConferenceSerializer,
        parameters=[IF_MATCH],
        summary=summary,
    )


@extend_schema_view(
    list=extend_schema(tags=CONFERENCES, summary="List the conferences of the cases you work, newest first"),
    retrieve=extend_schema(tags=CONFERENCES, summary="Read a conference with its participants"),
)
class ConferenceViewSet(ReadOnlyApiViewSet):
    filterset_fields = ["status", "case", "kind", "mode"]

    def get_queryset(self):
        return conferences_for_user(self.request.user).select_related("case__referral")

    def get_serializer_class(self):
        return ConferenceListSerializer if self.action == "list" else ConferenceSerializer

    def _fetch(self, pk, *, write=False) -> Conference:
        bookings = Prefetch("bookings", queryset=ConferenceFacilitator.objects.order_by("pk"))
        conference = get_conference_for_user(self.request.user, pk, write=write)
        return Conference.objects.prefetch_related(bookings, "participants__person", "participants__user").get(
            pk=conference.pk
        )

    def get_object(self):
        conference = self._fetch(self.kwargs["pk"])
        record_audit(self.request.user, AuditEntry.Action.VIEW, conference, request=self.request, detail="API")
        return conference

    def _locked(self, pk) -> Conference:
        """Lock the conference row before its case, in the services' order, and check If-Match."""
        return self.locked(Conference, lambda user, pk, write: self._fetch(pk, write=write), pk, write=True)

    def _done(self, conference, **kwargs):
        return self.respond(self._fetch(conference.pk), **kwargs)

    @extend_schema(
        tags=CONFERENCES,
        request=ScheduleSerializer,
        responses={201: ConferenceSerializer},
        summary="Schedule a conference for a ready case and book its facilitators",
    )
    @transaction.atomic
    def create(self, request):
        serializer = ScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = get_case_for_user(request.user, serializer.validated_data["case"].pk, write=True)
        form = valid_form(ScheduleForm, serializer.form_data(), case=case)
        lead = services.Lead(
            facilitator=form.cleaned_data["lead"], override_reason=serializer.validated_data["lead_override_reason"]
        )
        conference = services.schedule_conference(
            case=case,
            by=request.user,
            plan=form.to_plan(),
            facilitators=list(form.cleaned_data["facilitators"]),
            invite_officer=form.cleaned_data["invite_officer"],
            lead=lead,
        )
        location = reverse("api:conference-detail", args=[conference.pk])
        return self._done(conference, status=status.HTTP_201_CREATED, headers={"Location": location})

    @_conference_move(RescheduleSerializer, "Move a scheduled conference to a new time or place")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def reschedule(self, request, pk):
        conference = self._locked(pk)
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        form = valid_form(RescheduleForm, serializer.form_data(), current_venue=conference.venue)
        moved = services.reschedule_conference(
            conference=conference,
            by=request.user,
            plan=form.to_plan(conference.kind),
            reason=form.cleaned_data["reason"],
            lead_override_reason=serializer.validated_data["lead_override_reason"],
        )
        return self._done(moved)

    @_conference_move(CancelSerializer, "Cancel a scheduled conference")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def cancel(self, request, pk):
        conference = self._locked(pk)
        CancelSerializer(data=request.data).is_valid(raise_exception=True)
        form = check_with_form(ReasonForm, request.data)
        return self._done(services.cancel_conference(conference=conference, by=request.user, reason=form["reason"]))

    @_conference_move(HoldSerializer, "Record that the conference was held: who attended, confidential notes")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def hold(self, request, pk):
        conference = self._locked(pk)
        serializer = HoldSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        form = valid_form(HoldForm, serializer.validated_data, conference=conference)
        held = services.hold_conference(
            conference=conference, by=request.user, attended=form.attendance(), notes=form.cleaned_data["notes"]
        )
        return self._done(held)

    @_conference_move(
        ParticipantInputSerializer, "Invite someone not on the case file: a community member or a supporter"
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def participants(self, request, pk):
        conference = self._locked(pk)
        ParticipantInputSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(ParticipantForm, request.data)
        services.add_participant(conference=conference, by=request.user, role=data["role"], name=data["name"])
        return self._done(conference)

    @_conference_move(
        InvitationSerializer, "Record where a participant's invitation stands (invited, accepted, declined)"
    )
    @action(detail=True, methods=["post"], url_path=r"participants/(?P<participant_pk>\d+)/invitation")
    @transaction.atomic
    def invitation(self, request, pk, participant_pk):
        conference = self._locked(pk)
        participant = get_object_or_404(conference.participants.all(), pk=participant_pk)
        InvitationSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(InvitationForm, request.data)
        services.update_invitation(participant=participant, by=request.user, invitation=data["invitation"])
        return self._done(conference)

    @extend_schema(
        tags=CONFERENCES,
        request=AgreementInputSerializer,
        responses={201: ItemSerializer(many=True)},
        parameters=[IF_MATCH],
        summary="Record the outcome of a held conference: the agreement and its items; the case is monitored",
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def agreement(self, request, pk):
        conference = self._locked(pk)
        if conference.status != ConferenceStatus.HELD:
            raise InvalidTransition("An agreement is the outcome of a held conference: record the conference first.")
        data, items = self._agreement_input(conference, AgreementInputSerializer, AgreementForm, ("summary",))
        return self._items_of(services.record_agreement(case=conference.case, by=request.user, items=items, **data))

    @extend_schema(
        tags=CONFERENCES,
        request=RenegotiationSerializer,
        responses={201: ItemSerializer(many=True)},
        parameters=[IF_MATCH],
        summary="Renegotiate the agreement of a monitored case: a new version of its items replaces the current one",
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def renegotiate(self, request, pk):
        conference = self._locked(pk)
        fields = ("summary", "reason")
        data, items = self._agreement_input(conference, RenegotiationSerializer, RenegotiateForm, fields)
        agreement = services.renegotiate_agreement(case=conference.case, by=request.user, items=items, **data)
        return self._items_of(agreement)

    def _agreement_input(self, conference, serializer_class, form_class, fields):
        """Validate an agreement's body with the agreement page's form and item formset."""
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        data = check_with_form(form_class, {name: serializer.validated_data[name] for name in fields})
        items = item_formset(conference.case, serializer.formset_data())
        if not items.is_valid():
            raise ValidationError(formset_errors(items, "items"))
        return data, items.to_inputs()

    def _items_of(self, agreement):
        created = items_for_user(self.request.user).filter(agreement=agreement).order_by("pk")
        return Response(ItemSerializer(created, many=True, context=self.get_serializer_context()).data, status=201)


def _item_move(request_serializer, summary):
    return extend_schema(
        tags=ITEMS, request=request_serializer, responses=ItemSerializer, parameters=[IF_MATCH], summary=summary
    )


@extend_schema_view(
    list=extend_schema(tags=ITEMS, summary="List the agreement items you may see (partners: their own)"),
    retrieve=extend_schema(tags=ITEMS, summary="Read an agreement item and its progress"),
)
class AgreementItemViewSet(ReadOnlyApiViewSet):
    serializer_class = ItemSerializer
    filterset_class = ItemFilter

    def get_queryset(self):
        return (
            items_for_user(self.request.user)
            .select_related("agreement__case__referral", "partner", "harmed_party")
            .prefetch_related("payments", "hours_entries")
        )

    def get_object(self):
        item = get_item_for_user(self.request.user, self.kwargs["pk"])
        record_audit(self.request.user, AuditEntry.Action.VIEW, item, request=self.request, detail="API")
        return item

    def _locked(self, pk) -> AgreementItem:
        return self.locked(AgreementItem, get_item_for_user, pk, write=True)

    def _done(self, item):
        return self.respond(self.get_queryset().get(pk=item.pk))

    @_item_move(PaymentSerializer, "Record a restitution payment")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def payments(self, request, pk):
        item = self._locked(pk)
        PaymentSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(PaymentForm, request.data, item=item)
        services.record_payment(item=item, by=request.user, **data)
        return self._done(item)

    @_item_move(HoursSerializer, "Record community service hours")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def hours(self, request, pk):
        item = self._locked(pk)
        HoursSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(HoursForm, request.data, item=item)
        services.record_hours(item=item, by=request.user, **data)
        return self._done(item)

    @_item_move(ItemStatusSerializer, "Mark the item completed, missed or waived (supervisors waive)")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def status(self, request, pk):
        item = self._locked(pk)
        ItemStatusSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(ItemStatusForm, request.data, item=item, user=request.user)
        return self._done(services.set_item_status(item=item, by=request.user, **data))
