from django.urls import path

from . import views

app_name = "conferences"

urlpatterns = [
    path("", views.conference_list, name="list"),
    path("schedule/", views.my_schedule, name="my_schedule"),
    path("cases/<int:case_pk>/schedule/", views.schedule, name="schedule"),
    path("<int:pk>/", views.conference_detail, name="detail"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/hold/", views.hold, name="hold"),
    path("<int:pk>/observe/", views.observe, name="observe"),
    path("<int:pk>/invitation.ics", views.invitation, name="ics"),
    path("<int:pk>/participants/add/", views.add_participant, name="add_participant"),
    path("<int:pk>/participants/<int:participant_pk>/invitation/", views.update_invitation, name="invitation"),
]
