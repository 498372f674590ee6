"""The cases API: a case's stage and timeline for its facilitators and supervisors, its closing moves,
the people on the caller's referrals and cases, and the programme's reference data."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from people.audit import record_audit
from people.models import AuditEntry, Partner, Unit
from rjcases.api.filters import EMPTY_FILTER
from rjcases.api.schema import IF_MATCH
from rjcases.api.validation import check_with_form, form_errors
from rjcases.api.views import ReadOnlyApiViewSet

from . import followups, services
from .followup_forms import ReoffendingCheckForm
from .forms import (
    AssessmentForm,
    AssignForm,
    CaseFilterForm,
    CloseForm,
    ConsentForm,
    ContactForm,
    ReassignForm,
    ReturnForm,
    WithdrawConsentForm,
    person_form_kwargs,
)
from .models import Case, CaseStatus
from .permissions import (
    cases_for_user,
    get_case_for_user,
    get_person_for_user,
    people_for_user,
    require_supervisor,
)
from .serializers import (
    AssessmentInputSerializer,
    AssignSerializer,
    CaseListSerializer,
    CaseSerializer,
    CloseSerializer,
    ConsentInputSerializer,
    ContactAttemptSerializer,
    PartnerSerializer,
    PersonSerializer,
    ReassignedSerializer,
    ReassignSerializer,
    ReoffendingAnswerSerializer,
    ReturnSerializer,
    UnitSerializer,
    WithdrawConsentSerializer,
)

TAG = ["cases"]
# The assessment's yes/no fields and their defaults; the page's form reads them as checkboxes.
ASSESSMENT_FLAGS = (("will_attend", True), ("ready", False))
CASE_FILTERS = [
    OpenApiParameter("status", str, enum=CaseStatus.values, description="Only cases at this stage."),
    OpenApiParameter(
        "facilitator", str, description="Supervisors: a facilitator's id for their cases, or `unassigned`."
    ),
]


def _move(request_serializer, summary):
    return extend_schema(
        tags=TAG, request=request_serializer, responses=CaseSerializer, parameters=[IF_MATCH], summary=summary
    )


@extend_schema_view(
    list=extend_schema(tags=TAG, parameters=CASE_FILTERS, summary="List the cases you facilitate or supervise"),
    retrieve=extend_schema(tags=TAG, summary="Read a case: its stage, parties and timeline"),
)
class CaseViewSet(ReadOnlyApiViewSet):
    def get_queryset(self):
        return cases_for_user(self.request.user).select_related(
            "referral__offence_category", "facilitator", "co_facilitator"
        )

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseSerializer

    def filter_queryset(self, queryset):
        """The case list page's filters. The page ignores a value it does not understand; the API
        refuses it with a 400, as its other lists do, so that a client's typo never reads as "none"."""
        filters = CaseFilterForm(self.request.query_params, by_facilitator=self.request.user.is_supervisor)
        if not filters.is_valid():
            raise ValidationError(form_errors(filters))
        empty = {
            name: [EMPTY_FILTER]
            for name in ("status", "facilitator")
            if name in filters.fields and name in self.request.query_params and not self.request.query_params[name]
        }
        if empty:  # the page's form reads an empty choice as "any", which the schema does not offer
            raise ValidationError(empty)
        return filters.filter(queryset)

    def get_object(self):
        case = get_case_for_user(self.request.user, self.kwargs["pk"])
        record_audit(self.request.user, AuditEntry.Action.VIEW, case, request=self.request, detail="API")
        return case

    def _locked(self, pk) -> Case:
        return self.locked(Case, get_case_for_user, pk, write=True)

    def _done(self, case):
        return self.respond(get_case_for_user(self.request.user, case.pk))

    @_move(None, "Move the case to ready: every consent and sign-off is recorded")
    @action(detail=True, methods=["post"], url_path="mark-ready")
    @transaction.atomic
    def mark_ready(self, request, pk):
        return self._done(services.mark_case_ready(case=self._locked(pk), by=request.user))

    @_move(None, "Complete the case: every agreement item is completed or waived")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def complete(self, request, pk):
        return self._done(services.complete_case(case=self._locked(pk), by=request.user))

    @_move(ReturnSerializer, "Return the case to the referring agency, with a coded reason")
    @action(detail=True, methods=["post"], url_path="return")
    @transaction.atomic
    def return_to_agency(self, request, pk):
        case = self._locked(pk)
        ReturnSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(ReturnForm, request.data)
        return self._done(services.return_case(case=case, by=request.user, **data))

    # --- Preparing the case: the facilitators' and supervisors' jobs of the case file ------------

    @_move(AssignSerializer, "Assign the case's facilitator and co-facilitator (supervisors)")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def assign(self, request, pk):
        require_supervisor(request.user)
        case = self._locked(pk)
        AssignSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(AssignForm, request.data)
        return self._done(services.assign_facilitators(case=case, by=request.user, **data))

    @extend_schema(
        tags=TAG,
        request=ReassignSerializer,
        responses=ReassignedSerializer,
        summary="Move a departing facilitator's open cases to a successor (supervisors)",
    )
    @action(detail=False, methods=["post"])
    def reassign(self, request):
        require_supervisor(request.user)
        ReassignSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(ReassignForm, request.data)
        return Response({"moved": services.reassign_caseload(by=request.user, **data)})

    @_move(ContactAttemptSerializer, "Log a contact attempt with a person on the case")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def contacts(self, request, pk):
        case = self._locked(pk)
        data = self._person_form_data(ContactAttemptSerializer, ContactForm, case)
        services.log_contact(case=case, by=request.user, **data)
        return self._done(case)

    @_move(ConsentInputSerializer, "Record a person's consent, for one purpose")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def consents(self, request, pk):
        case = self._locked(pk)
        data = self._person_form_data(ConsentInputSerializer, ConsentForm, case)
        services.record_consent(case=case, by=request.user, **data)
        return self._done(case)

    @_move(WithdrawConsentSerializer, "Withdraw a consent: scheduling, exchanges and reminders that need it stop")
    @action(detail=True, methods=["post"], url_path=r"consents/(?P<consent_pk>\d+)/withdraw")
    @transaction.atomic
    def withdraw_consent(self, request, pk, consent_pk):
        case = self._locked(pk)
        consent = get_object_or_404(case.consents.all(), pk=consent_pk)
        WithdrawConsentSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(WithdrawConsentForm, request.data)
        services.withdraw_consent(consent=consent, by=request.user, reason=data["reason"])
        return self._done(case)

    @_move(AssessmentInputSerializer, "Record (or update) a person's assessment; a supervisor signs it off")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def assessments(self, request, pk):
        case = self._locked(pk)
        data = self._person_form_data(AssessmentInputSerializer, AssessmentForm, case, checkboxes=ASSESSMENT_FLAGS)
        services.record_assessment(case=case, by=request.user, **data)
        return self._done(case)

    @_move(None, "Sign off an assessment (supervisors)")
    @action(detail=True, methods=["post"], url_path=r"assessments/(?P<assessment_pk>\d+)/sign-off")
    @transaction.atomic
    def sign_off(self, request, pk, assessment_pk):
        require_supervisor(request.user)
        case = self._locked(pk)
        assessment = get_object_or_404(case.assessments.all(), pk=assessment_pk)
        services.sign_off_assessment(assessment=assessment, by=request.user)
        return self._done(case)

    @_move(ReoffendingAnswerSerializer, "Record (or correct) a due reoffending check of a closed case (supervisors)")
    @action(detail=True, methods=["post"], url_path=r"reoffending-checks/(?P<check_pk>\d+)")
    @transaction.atomic
    def reoffending_check(self, request, pk, check_pk):
        require_supervisor(request.user)
        case = get_case_for_user(request.user, pk, write=True)
        check = get_object_or_404(case.reoffending_checks.all(), pk=check_pk)
        check.case = case
        ReoffendingAnswerSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(ReoffendingCheckForm, request.data, check=check)
        followups.record_reoffending_check(check=check, by=request.user, **data)
        return self._done(case)

    def _person_form_data(self, serializer_class, form_class, case, checkboxes=()) -> dict:
        """Check the body's types, then validate it with the page's form about one person on `case`."""
        serializer_class(data=self.request.data).is_valid(raise_exception=True)
        data = {**self.request.data}
        data |= {name: "on" if self.request.data.get(name, default) else "" for name, default in checkboxes}
        return check_with_form(form_class, data, **person_form_kwargs(form_class, case))

    @_move(CloseSerializer, "Close the case without a conference")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def close(self, request, pk):
        case = self._locked(pk)
        CloseSerializer(data=request.data).is_valid(raise_exception=True)
        data = check_with_form(CloseForm, request.data)
        return self._done(services.close_without_conference(case=case, by=request.user, reason=data["reason"]))


@extend_schema_view(
    list=extend_schema(tags=["people"], summary="List the people on your referrals and cases"),
    retrieve=extend_schema(tags=["people"], summary="Read a person; contact details only where the pages show them"),
)
class PersonViewSet(ReadOnlyApiViewSet):
    serializer_class = PersonSerializer

    def get_queryset(self):
        return people_for_user(self.request.user).select_related("contact")

    def get_object(self):
        person = get_person_for_user(self.request.user, self.kwargs["pk"])
        record_audit(self.request.user, AuditEntry.Action.VIEW, person, request=self.request, detail="API")
        return person


@extend_schema_view(
    list=extend_schema(tags=["reference data"], summary="List the agencies' units"),
    retrieve=extend_schema(tags=["reference data"], summary="Read a unit"),
)
class UnitViewSet(ReadOnlyApiViewSet):
    serializer_class = UnitSerializer
    queryset = Unit.objects.select_related("agency")


@extend_schema_view(
    list=extend_schema(tags=["reference data"], summary="List the community partners"),
    retrieve=extend_schema(tags=["reference data"], summary="Read a community partner"),
)
class PartnerViewSet(ReadOnlyApiViewSet):
    serializer_class = PartnerSerializer
    queryset = Partner.objects.all()
    filterset_fields = ["kind"]
