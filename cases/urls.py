from django.urls import path

from . import case_actions, case_file, followup_views, lists, people_views

app_name = "cases"

urlpatterns = [
    path("", lists.case_list, name="list"),
    path("reassign/", lists.reassign_caseload, name="reassign"),
    path("notifications/read/", lists.mark_notifications_read, name="notifications_read"),
    path("follow-ups/", followup_views.follow_ups, name="follow_ups"),
    path("people/", people_views.person_search, name="person_search"),
    path("<int:pk>/", case_file.case_detail, name="detail"),
    path("<int:pk>/ready/", case_actions.mark_ready, name="mark_ready"),
    path("<int:pk>/facilitators/", case_actions.assign_facilitators, name="assign"),
    path("<int:pk>/people/new/", case_actions.add_party, name="add_party"),
    path("<int:pk>/contacts/", case_actions.log_contact, name="log_contact"),
    path("<int:pk>/people/<int:person_pk>/contact/", case_actions.contact_details, name="contact_details"),
    path("<int:pk>/contact-updates/<int:update_pk>/", case_actions.decide_contact_update, name="contact_update"),
    path("<int:pk>/consents/", case_actions.record_consent, name="record_consent"),
    path("<int:pk>/consents/<int:consent_pk>/withdraw/", case_actions.withdraw_consent, name="withdraw_consent"),
    path("<int:pk>/assessments/", case_actions.record_assessment, name="record_assessment"),
    path("<int:pk>/assessments/<int:assessment_pk>/sign-off/", case_actions.sign_off_assessment, name="sign_off"),
    path("<int:pk>/notes/", case_actions.add_note, name="add_note"),
    path("<int:pk>/complete/", case_actions.complete_case, name="complete"),
    path("<int:pk>/return/", case_actions.return_case, name="return"),
    path("<int:pk>/close/", case_actions.close_case, name="close"),
    path("<int:pk>/reoffending-checks/<int:check_pk>/", followup_views.record_check, name="record_check"),
    path(
        "follow-ups/declined/<int:check_pk>/",
        followup_views.record_comparison_check,
        name="record_comparison_check",
    ),
]
