from django.urls import path  # noqa: F401

from . import agreement_views  # noqa: F401

app_name = "agreements"

urlpatterns = []
