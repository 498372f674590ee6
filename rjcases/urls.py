from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from rjcases.homes import home

# The admin's own login form knows no second factor: it sends people to the site's sign-in instead.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("referrals/", include("referrals.urls")),
    path("cases/", include("cases.urls")),
    path("conferences/", include("conferences.urls")),
    path("agreements/", include("conferences.agreement_urls")),
    path("survey/", include("cases.survey_urls")),
    path("invitation/", include("conferences.invitation_urls")),
    path("exchange/", include("conferences.exchange_link_urls")),
    path("exchanges/", include("conferences.exchange_urls")),
    path("reminders/", include("reminders.urls")),
    path("training/", include("training.urls")),
    path("dashboard/", include("reporting.urls")),
    path("api/", include("rjcases.api_urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "RJ Cases administration"
admin.site.site_title = "RJ Cases"

# Under /api/ Django's own errors are answered in the API's JSON shape (docs/api.md), elsewhere as pages.
handler400 = "rjcases.api.errors.bad_request"
handler403 = "rjcases.api.errors.permission_denied"
handler404 = "rjcases.api.errors.page_not_found"
handler500 = "rjcases.api.errors.server_error"
