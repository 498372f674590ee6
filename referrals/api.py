"""The referrals API: what a police records system sends and reads back, and the screeners' decisions.

Views are parse -> fetch through the permission getter -> call the service -> respond, as on the pages.
"""

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError

from people.audit import record_audit
from people.models import AuditEntry
from rjcases.api.idempotency import idempotent
from rjcases.api.schema import IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, IF_MATCH, IF_MATCH_REQUIRED
from rjcases.api.views import ReadOnlyApiViewSet

from . import services
from .forms import ReferralFilter
from .models import OffenceCategory, Referral
from .permissions import (
    can_withdraw_referral,
    get_referral_for_user,
    referrals_for_user,
    require_referrer,
    require_screener,
)
from .serializers import (
    AcceptSerializer,
    DeclineSerializer,
    OffenceCategorySerializer,
    ReferralInputSerializer,
    ReferralListSerializer,
    ReferralSerializer,
    RequestInfoSerializer,
    SubmitSerializer,
    WithdrawSerializer,
)

TAG = ["referrals"]


def _move(request_serializer, description):
    return extend_schema(
        tags=TAG, request=request_serializer, responses=ReferralSerializer, parameters=[IF_MATCH], summary=description
    )


@extend_schema_view(
    list=extend_schema(tags=TAG, summary="List the referrals you may see, newest first"),
    retrieve=extend_schema(tags=TAG, summary="Read a referral: its status, parties and timeline"),
)
class ReferralViewSet(ReadOnlyApiViewSet):
    filterset_class = ReferralFilter

    def get_queryset(self):
        return referrals_for_user(self.request.user).with_list_data()

    def get_serializer_class(self):
        return ReferralListSerializer if self.action == "list" else ReferralSerializer

    def get_object(self):
        referral = get_referral_for_user(self.request.user, self.kwargs["pk"])
        record_audit(self.request.user, AuditEntry.Action.VIEW, referral, request=self.request, detail="API")
        return referral

    def _locked(self, pk, *, write=False, if_match_required=False) -> Referral:
        return self.locked(Referral, get_referral_for_user, pk, if_match_required=if_match_required, write=write)

    def _done(self, referral, **kwargs):
        return self.respond(get_referral_for_user(self.request.user, referral.pk), **kwargs)

    @extend_schema(
        tags=TAG,
        request=ReferralInputSerializer,
        responses={201: ReferralSerializer},
        parameters=[IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED],
        summary="Log a draft referral with its parties (officers and agency clients)",
    )
    def create(self, request):
        require_referrer(request.user)
        return idempotent(request, operation="referrals.create", perform=lambda: self._create(request))

    def _create(self, request):
        serializer = ReferralInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        referral = services.create_referral(
            officer=request.user, data=serializer.validated_data["data"], parties=serializer.validated_data["parties"]
        )
        location = reverse("api:referral-detail", args=[referral.pk])
        return self._done(referral, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        tags=TAG,
        request=ReferralInputSerializer(partial=True),
        responses=ReferralSerializer,
        parameters=[IF_MATCH_REQUIRED],
        summary="Change a draft (or a referral sent back for information); `parties`, when sent, replaces them",
    )
    @transaction.atomic
    def partial_update(self, request, pk):
        referral = self._locked(pk, write=True, if_match_required=True)
        serializer = ReferralInputSerializer(referral, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        updated = services.update_referral(
            referral=referral,
            by=request.user,
            data=changes["data"],
            parties=changes.get("parties", []),
            removed_party_ids=changes.get("removed_party_ids", ()),
        )
        return self._done(updated)

    @_move(SubmitSerializer, "Submit a draft for screening, or resubmit it with the answer asked for")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def submit(self, request, pk):
        referral = self._locked(pk, write=True)
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answer = serializer.validated_data.get("answer", "").strip()
        if referral.status == "needs_info":
            if not answer:
                raise ValidationError({"answer": ["Answer the supervisor's question to resubmit the referral."]})
            moved = services.answer_info_request(referral=referral, by=request.user, answer=answer)
        else:
            moved = services.submit_referral(referral=referral, by=request.user)
        return self._done(moved)

    @_move(WithdrawSerializer, "Withdraw an open referral")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def withdraw(self, request, pk):
        referral = self._locked(pk)
        if not can_withdraw_referral(request.user, referral):
            raise PermissionDenied("Only the referring officer or a supervisor can withdraw a referral.")
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.withdraw_referral(
            referral=referral, by=request.user, reason=serializer.validated_data["reason"]
        )
        return self._done(moved)

    @_move(AcceptSerializer, "Accept a submitted referral and open its case (supervisors)")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def accept(self, request, pk):
        require_screener(request.user)
        referral = self._locked(pk)
        serializer = AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.accept_referral(
            referral=referral, by=request.user, justification=serializer.validated_data["justification"]
        )
        return self._done(moved)

    @_move(DeclineSerializer, "Decline a submitted referral with a coded reason (supervisors)")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def decline(self, request, pk):
        require_screener(request.user)
        referral = self._locked(pk)
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moved = services.decline_referral(
            referral=referral, by=request.user, reason_code=data["reason_code"], note=data["note"]
        )
        return self._done(moved)

    @_move(RequestInfoSerializer, "Send a submitted referral back to its officer with a question")
    @action(detail=True, methods=["post"], url_path="request-info")
    @transaction.atomic
    def request_info(self, request, pk):
        require_screener(request.user)
        referral = self._locked(pk)
        serializer = RequestInfoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.request_info(referral=referral, by=request.user, message=serializer.validated_data["message"])
        return self._done(moved)


@extend_schema_view(
    list=extend_schema(tags=["reference data"], summary="List the offence categories"),
    retrieve=extend_schema(tags=["reference data"], summary="Read an offence category"),
)
class OffenceCategoryViewSet(ReadOnlyApiViewSet):
    serializer_class = OffenceCategorySerializer
    queryset = OffenceCategory.objects.all()
    filterset_fields = ["active"]
