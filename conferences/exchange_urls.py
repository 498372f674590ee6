"""The facilitators' pages of asynchronous exchanges."""

from django.urls import path

from . import exchange_views as views

app_name = "exchanges"

urlpatterns = [
    path("cases/<int:case_pk>/new/", views.open_exchange, name="open"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/statements/<int:statement_pk>/share/", views.share, name="share"),
    path("<int:pk>/ask/", views.ask, name="ask"),
    path("<int:pk>/close/", views.close, name="close"),
]
