"""The API's addresses: /api/v1/… for the resources, /api/schema/ and /api/docs/ for their description."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from cases.api import CaseViewSet, PartnerViewSet, PersonViewSet, UnitViewSet
from conferences.api import AgreementItemViewSet, ConferenceViewSet
from referrals.api import OffenceCategoryViewSet, ReferralViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("referrals", ReferralViewSet, basename="referral")
router.register("cases", CaseViewSet, basename="case")
router.register("conferences", ConferenceViewSet, basename="conference")
router.register("agreement-items", AgreementItemViewSet, basename="agreement-item")
router.register("people", PersonViewSet, basename="person")
router.register("offence-categories", OffenceCategoryViewSet, basename="offence-category")
router.register("units", UnitViewSet, basename="unit")
router.register("partners", PartnerViewSet, basename="partner")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
