"""A participant's invitation: a public page opened by its link's token, no account."""

from django.urls import path

from . import invitation_views

app_name = "invitation"

urlpatterns = [
    path("<str:token>/", invitation_views.answer, name="answer"),
]
