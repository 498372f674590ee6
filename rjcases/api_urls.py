"""The API's addresses: /api/v1/… for the resources, /api/schema/ and /api/docs/ for their description."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cases.api import CaseViewSet, PartnerViewSet, PersonViewSet, UnitViewSet
from conferences.api import AgreementItemViewSet, ConferenceViewSet
from referrals.api import OffenceCategoryViewSet, ReferralViewSet
from reminders.api import WebhookViewSet

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
router.register("webhooks", WebhookViewSet, basename="webhook")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL instead of inline, for the Content-Security-Policy.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Redoc styles its page through <style> elements it creates at run time (styled-components), which
    # a nonce cannot reach, and searches in a worker it starts from a blob: URL. Only this page allows
    # both; scripts stay the app's own. Its "API docs by Redocly" logo, from their CDN, stays refused.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema")
        ),
        name="redoc",
    ),
]
