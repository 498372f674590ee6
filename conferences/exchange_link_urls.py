"""A participant's page in an exchange: public, opened by its link's token, no account."""

from django.urls import path

from . import exchange_link_views

app_name = "exchange"

urlpatterns = [
    path("<str:token>/", exchange_link_views.page, name="page"),
]
