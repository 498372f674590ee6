"""The eligibility policy applied to one referral: each rule's result with its reason."""

from dataclasses import asdict, dataclass

from .models import EligibilityPolicy, Referral


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    reason: str

    def as_dict(self):
        return asdict(self)


def evaluate_referral(referral: Referral, policy: EligibilityPolicy | None = None) -> list[RuleResult]:
    """Return one result per rule of the policy, in a fixed order, each with a readable reason."""
    policy = policy or EligibilityPolicy.current()
    responsible = referral.responsible_parties()
    return [
        _offence_rule(referral, policy),
        _responsible_party_rule(responsible),
        _admission_rule(responsible, policy),
        _age_rule(referral, responsible, policy),
        _prior_diversions_rule(responsible, policy),
    ]


def _offence_rule(referral, policy):
    category = referral.offence_category
    if policy.excluded_categories.filter(pk=category.pk).exists():
        return RuleResult("Offence category", False, f"“{category}” is excluded by the programme's policy.")
    return RuleResult("Offence category", True, f"“{category}” is not excluded.")


def _responsible_party_rule(responsible):
    if not responsible:
        return RuleResult("Responsible party", False, "The referral names no responsible party.")
    return RuleResult(
        "Responsible party",
        True,
        f"{len(responsible)} responsible part{'y' if len(responsible) == 1 else 'ies'} named.",
    )


def _admission_rule(responsible, policy):
    if not policy.admission_required:
        return RuleResult("Admission of responsibility", True, "Not required by the policy.")
    missing = [p.person.display_name for p in responsible if p.admits_responsibility is not True]
    if missing:
        return RuleResult(
            "Admission of responsibility", False, f"Not admitted (or not recorded) by: {', '.join(missing)}."
        )
    return RuleResult("Admission of responsibility", True, "Every responsible party admits responsibility.")


def _age_rule(referral, responsible, policy):
    if policy.min_age is None and policy.max_age is None:
        return RuleResult("Age", True, "The policy sets no age bounds.")
    problems = []
    for party in responsible:
        age = party.person.age_on(referral.incident_date)
        name = party.person.display_name
        if age is None:
            problems.append(f"{name}: date of birth unknown")
        elif policy.min_age is not None and age < policy.min_age:
            problems.append(f"{name} was {age}, under the minimum of {policy.min_age}")
        elif policy.max_age is not None and age > policy.max_age:
            problems.append(f"{name} was {age}, over the maximum of {policy.max_age}")
    if policy.max_age is None:
        bounds = f"aged {policy.min_age} or over"
    elif policy.min_age is None:
        bounds = f"aged {policy.max_age} or under"
    else:
        bounds = f"aged {policy.min_age} to {policy.max_age}"
    if problems:
        return RuleResult("Age", False, "; ".join(problems) + f" (the policy takes people {bounds}).")
    return RuleResult("Age", True, f"Every responsible party was {bounds} on the incident date.")


def _prior_diversions_rule(responsible, policy):
    limit = policy.max_prior_diversions
    if limit is None:
        return RuleResult("Prior diversions", True, "The policy sets no limit.")
    over = [
        f"{p.person.display_name} has {p.prior_diversions}" for p in responsible if (p.prior_diversions or 0) > limit
    ]
    if over:
        return RuleResult("Prior diversions", False, f"{'; '.join(over)} (the limit is {limit}).")
    return RuleResult("Prior diversions", True, f"Every responsible party is within the limit of {limit}.")
