"""The harmed party's satisfaction survey: public pages, opened by a link's token, no account."""

from django.urls import path

from . import followup_views

app_name = "survey"

urlpatterns = [
    path("thanks/", followup_views.survey_thanks, name="thanks"),
    path("<str:token>/", followup_views.survey_page, name="answer"),
]
