import pytest
from django.urls import reverse

from cases.models import Case, CaseStatus
from referrals.models import ReferralStatus

pytestmark = pytest.mark.django_db


def test_officer_logs_and_supervisor_accepts(login, officer, supervisor):
    client = login(officer)
    response = client.post(
        reverse("referrals:create"),
        {
            "incident_number": "CR/1/26",
            "incident_date": "2026-03-01",
            "incident_place": "Market Street",
            "offence_category": "1",
            "description": "Took a bike.",
            "harm_description": "Bike owner lost use of it.",
            "parties-TOTAL_FORMS": "1",
            "parties-INITIAL_FORMS": "0",
            "parties-0-role": "responsible",
            "parties-0-kind": "individual",
            "parties-0-first_name": "Sam",
            "parties-0-last_name": "Jones",
            "parties-0-date_of_birth": "2010-01-02",
            "parties-0-gender": "male",
            "parties-0-ethnicity": "white",
            "parties-0-admits_responsibility": "yes",
            "parties-0-prior_diversions": "0",
            "action": "submit",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = officer.referrals.get()
    assert referral.status == ReferralStatus.SUBMITTED
    client = login(supervisor)
    response = client.post(reverse("referrals:screen", args=[referral.pk]), {"action": "accept"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert Case.objects.get(referral=referral).status == CaseStatus.INTAKE
    for url in ["home", "referrals:list", "referrals:screening_queue", "cases:list"]:
        assert client.get(reverse(url)).status_code == 200
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[referral.case.pk])).status_code == 200
