from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rjcases.homes import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("referrals/", include("referrals.urls")),
    path("cases/", include("cases.urls")),
    path("conferences/", include("conferences.urls")),
    path("agreements/", include("conferences.agreement_urls")),
    path("survey/", include("cases.survey_urls")),
    path("reminders/", include("reminders.urls")),
    path("dashboard/", include("reporting.urls")),
    path("api/", include("rjcases.api_urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "RJ Cases administration"
admin.site.site_title = "RJ Cases"
