from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_create, name="create"),
    path("screening/", views.screening_queue, name="screening_queue"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/edit/", views.referral_edit, name="edit"),
    path("<int:pk>/submit/", views.referral_submit, name="submit"),
    path("<int:pk>/withdraw/", views.referral_withdraw, name="withdraw"),
    path("<int:pk>/screen/", views.screen_referral, name="screen"),
    path("<int:pk>/screen/merge/", views.merge_duplicate, name="merge"),
]
