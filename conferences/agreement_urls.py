from django.urls import path

from . import agreement_views as views

app_name = "agreements"

urlpatterns = [
    path("cases/<int:case_pk>/", views.agreement_history, name="history"),
    path("cases/<int:case_pk>/new/", views.record_agreement, name="record"),
    path("cases/<int:case_pk>/renegotiate/", views.renegotiate_agreement, name="renegotiate"),
    path("items/", views.item_list, name="items"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/payments/", views.record_payment, name="payment"),
    path("items/<int:pk>/hours/", views.record_hours, name="hours"),
    path("items/<int:pk>/status/", views.set_item_status, name="status"),
]
