from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("failed/", views.failed_reminders, name="failed"),
    path("<int:pk>/resend/", views.resend, name="resend"),
]
