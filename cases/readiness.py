"""What a case still needs before it can be `ready` for a conference (DESIGN.md, lifecycle)."""

from referrals.models import PartyRole

from .models import Case, ConsentPurpose


def readiness_problems(case: Case) -> list[str]:
    """Return, in plain words, every thing missing before the case can be marked ready.

    Each responsible and harmed party needs an assessment signed off by a supervisor; each one
    who will attend needs their own active consent to take part, and a juvenile also a guardian's.
    At least one responsible party must take part.
    """
    parties = [
        p for p in case.referral.parties.select_related("person") if p.role in (PartyRole.RESPONSIBLE, PartyRole.HARMED)
    ]
    assessments = {a.person_id: a for a in case.assessments.all()}
    consents = [c for c in case.consents.all() if c.is_active and c.purpose == ConsentPurpose.CONFERENCE]
    problems = [] if case.facilitator_id else ["Assign a facilitator."]
    attending_responsible, unassessed = 0, 0
    for party in parties:
        name = party.person.display_name
        assessment = assessments.get(party.person_id)
        if assessment is None:
            problems.append(f"Assess the readiness and risk of {name}.")
            unassessed += 1
            continue
        if not assessment.is_signed_off:
            problems.append(f"A supervisor must sign off the assessment of {name}.")
        if not assessment.will_attend:
            continue
        attending_responsible += party.role == PartyRole.RESPONSIBLE
        if not assessment.ready:
            problems.append(f"{name} is not yet assessed as ready to take part.")
        own = [c for c in consents if c.person_id == party.person_id and not c.by_guardian]
        if not own:
            problems.append(f"Record {name}'s consent to take part in a conference.")
        if party.person.is_juvenile and not [c for c in consents if c.person_id == party.person_id and c.by_guardian]:
            problems.append(f"Record a guardian's consent for {name}, who is a juvenile.")
    if parties and not attending_responsible and not unassessed:
        problems.append("At least one responsible party must take part.")
    return problems
