from django.urls import path

from . import followup_views, people_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("reassign/", views.reassign_caseload, name="reassign"),
    path("notifications/read/", views.mark_notifications_read, name="notifications_read"),
    path("follow-ups/", followup_views.follow_ups, name="follow_ups"),
    path("people/", people_views.person_search, name="person_search"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/ready/", views.mark_ready, name="mark_ready"),
    path("<int:pk>/facilitators/", views.assign_facilitators, name="assign"),
    path("<int:pk>/people/new/", views.add_party, name="add_party"),
    path("<int:pk>/contacts/", views.log_contact, name="log_contact"),
    path("<int:pk>/consents/", views.record_consent, name="record_consent"),
    path("<int:pk>/consents/<int:consent_pk>/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("<int:pk>/assessments/", views.record_assessment, name="record_assessment"),
    path("<int:pk>/assessments/<int:assessment_pk>/sign-off/", views.sign_off_assessment, name="sign_off"),
    path("<int:pk>/notes/", views.add_note, name="add_note"),
    path("<int:pk>/complete/", views.complete_case, name="complete"),
    path("<int:pk>/return/", views.return_case, name="return"),
    path("<int:pk>/close/", views.close_case, name="close"),
    path("<int:pk>/reoffending-checks/<int:check_pk>/", followup_views.record_check, name="record_check"),
]
