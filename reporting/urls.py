from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("cases/", views.drilldown, name="cases"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("figures.csv", views.figures_export, name="figures_csv"),
    path("training.csv", views.training_export, {"fmt": "csv"}, name="training_csv"),
    path("training.xlsx", views.training_export, {"fmt": "xlsx"}, name="training_xlsx"),
    path("my-referrals/", views.feedback, name="feedback"),
]
