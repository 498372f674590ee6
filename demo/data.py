"""Made-up organisations, users, people, places and incidents for the seed_demo command.

Every name, address, phone number (Ofcom's drama ranges) and email (example.org) is fictional.
"""

from dataclasses import dataclass

from people.models import Ethnicity, Gender, Partner, Role
from referrals.models import DeclineReason

# fmt: off
# Hand-aligned tables read better than one item per line.

AGENCIES = {
    "NSP": ("Northshire Police", ["Northby Neighbourhood Team", "Youth Diversion Unit", "Kelbridge Response Team"]),
    "EVC": ("Eastvale Constabulary", ["Eastvale Town Centre Team", "Schools and Youth Team"]),
    "WMR": ("Westmoor Police", ["Westmoor Neighbourhood Team", "Rural Crime Team"]),
}

PARTNERS = [  # name, kind, address, email domain
    ("Northshire Victim Support", Partner.Kind.VICTIM_SERVICES, "14 Castle Street, Northby NB1 2AA", "victims"),
    ("Eastvale Youth Service", Partner.Kind.YOUTH_SERVICE, "The Hub, 3 Mill Lane, Eastvale EV2 4BD", "youth"),
    ("St Aidan's Academy", Partner.Kind.SCHOOL, "Grove Road, Kelbridge KB3 6HJ", "st-aidans"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    does: str
    unit: tuple[str, str] | None = None  # (agency code, unit name)
    badge: str = ""
    lead: bool = False
    partner: str = ""


NBY = ("NSP", "Northby Neighbourhood Team")
USERS = [
    DemoUser("officer", "Dan", "Hughes", Role.OFFICER, "Logs referrals, follows his own (one in every state)",
             NBY, "NSP 4417"),
    DemoUser("unitlead", "Claire", "Boateng", Role.OFFICER, "Sergeant: sees every referral of her unit",
             NBY, "NSP 2093", lead=True),
    DemoUser("officer2", "Priya", "Sharma", Role.OFFICER, "Logs referrals (NSP youth diversion)",
             ("NSP", "Youth Diversion Unit"), "NSP 5120"),
    DemoUser("officer3", "Tom", "Fletcher", Role.OFFICER, "Logs referrals (NSP Kelbridge)",
             ("NSP", "Kelbridge Response Team"), "NSP 3381"),
    DemoUser("officer4", "Grace", "Adeyemi", Role.OFFICER, "Logs referrals (Eastvale town centre)",
             ("EVC", "Eastvale Town Centre Team"), "EVC 0712"),
    DemoUser("officer5", "Liam", "O'Connor", Role.OFFICER, "Logs referrals (Eastvale schools)",
             ("EVC", "Schools and Youth Team"), "EVC 1458"),
    DemoUser("officer6", "Hannah", "Price", Role.OFFICER, "Logs referrals (Westmoor)",
             ("WMR", "Westmoor Neighbourhood Team"), "WMR 2264"),
    DemoUser("officer7", "Marek", "Nowak", Role.OFFICER, "Logs referrals (Westmoor rural crime)",
             ("WMR", "Rural Crime Team"), "WMR 3907"),
    DemoUser("supervisor", "Ruth", "Ellison", Role.SUPERVISOR, "Screens referrals, assigns facilitators, dashboard"),
    DemoUser("supervisor2", "Imran", "Qureshi", Role.SUPERVISOR, "Second programme coordinator"),
    DemoUser("facilitator", "Jo", "Whitfield", Role.FACILITATOR, "Prepares parties, runs conferences of their cases"),
    DemoUser("facilitator2", "Femi", "Adebayo", Role.FACILITATOR, "Facilitator"),
    DemoUser("facilitator3", "Kate", "Morrow", Role.FACILITATOR, "Facilitator"),
    DemoUser("facilitator4", "Gareth", "Lloyd", Role.FACILITATOR, "Facilitator (part time)"),
    DemoUser("partner", "Maria", "Lopes", Role.PARTNER, "Victim services: cases assigned to her organisation",
             partner="Northshire Victim Support"),
    DemoUser("partner2", "Beth", "Jennings", Role.PARTNER, "Victim services caseworker",
             partner="Northshire Victim Support"),
    DemoUser("partner3", "Kieran", "Walsh", Role.PARTNER, "Youth worker: supervises community service",
             partner="Eastvale Youth Service"),
    DemoUser("partner4", "Nadia", "Rahman", Role.PARTNER, "School pastoral lead", partner="St Aidan's Academy"),
    DemoUser("admin", "Alex", "Moreno", Role.ADMIN, "Users, agencies, partners, policy (Django admin)"),
]

# People and places ----------------------------------------------------------------------------

MALE_NAMES = ["Jack", "Oliver", "Mohammed", "Kai", "Ethan", "Tyler", "Reece", "Aiden", "Daniel", "Kwame", "Harvey",
              "Ryan", "Arjun", "Callum", "Jordan", "Bilal", "Tomasz", "Lewis", "Connor", "Yusuf", "Mason", "Dylan"]
FEMALE_NAMES = ["Chloe", "Amelia", "Aisha", "Jade", "Sophie", "Priya", "Leah", "Ellie", "Zara", "Kayleigh",
                "Grace", "Olivia", "Maya", "Hannah", "Nia", "Fatima", "Megan", "Ruby", "Amira", "Lauren"]
NEUTRAL_NAMES = ["Alex", "Sam", "Charlie", "Robin", "Jamie", "Frankie", "Riley", "Ash"]
FIRST_NAMES = {
    Gender.MALE: MALE_NAMES,
    Gender.FEMALE: FEMALE_NAMES,
    Gender.OTHER: NEUTRAL_NAMES,
    Gender.NOT_STATED: MALE_NAMES + FEMALE_NAMES + NEUTRAL_NAMES,
}
LAST_NAMES = {
    Ethnicity.WHITE: ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Davies", "Evans", "Thompson", "Walker",
                      "Wright", "Hughes", "Clarke", "Murphy", "O'Brien", "Kowalski", "Nowak", "Roberts", "Hall"],
    Ethnicity.ASIAN: ["Patel", "Khan", "Begum", "Ahmed", "Hussain", "Ali", "Singh", "Kaur", "Shah", "Chowdhury",
                      "Iqbal", "Sharma"],
    Ethnicity.BLACK: ["Okafor", "Mensah", "Adeyemi", "Campbell", "Francis", "Boateng", "Osei", "Williams",
                      "Johnson", "Grant", "Oduya"],
}
ALL_LAST_NAMES = [name for names in LAST_NAMES.values() for name in names]

RESPONSIBLE_GENDERS = {Gender.MALE: 64, Gender.FEMALE: 30, Gender.OTHER: 2, Gender.NOT_STATED: 4}
OTHER_GENDERS = {Gender.MALE: 45, Gender.FEMALE: 50, Gender.OTHER: 2, Gender.NOT_STATED: 3}
ETHNICITIES = {Ethnicity.WHITE: 60, Ethnicity.ASIAN: 12, Ethnicity.BLACK: 10, Ethnicity.MIXED: 8,
               Ethnicity.OTHER: 4, Ethnicity.NOT_STATED: 6}

TOWNS = {"NSP": ["Northby", "Kelbridge"], "EVC": ["Eastvale", "Ashcombe"], "WMR": ["Westmoor", "Harbourside"]}
POSTCODES = {"Northby": "NB", "Kelbridge": "KB", "Eastvale": "EV", "Ashcombe": "AC", "Westmoor": "WM",
             "Harbourside": "HS"}
STREETS = ["High Street", "Mill Lane", "Station Road", "Church Street", "Victoria Road", "Park Avenue",
           "Queen Street", "Harbour Road", "Grove Road", "Market Place", "Elm Close", "Brook Street"]
VENUE_KINDS = ["bus station", "skate park", "Leisure Centre", "railway station", "recreation ground",
               "Market Square", "retail park", "library", "park"]
SHOPS = [  # name, town, street: a shop stays where it is, however often it is harmed
    ("Corner Shop Ltd", "Northby", "Mill Lane"), ("Northgate Pharmacy", "Northby", "High Street"),
    ("Kelbridge Sports Ltd", "Kelbridge", "Market Place"), ("Valley Superstore", "Eastvale", "Station Road"),
    ("Bright Beauty Ltd", "Eastvale", "Queen Street"), ("Patel's Convenience Store", "Ashcombe", "Church Street"),
    ("Harbour Road Mini Market", "Harbourside", "Harbour Road"), ("Westmoor Garden Centre", "Westmoor", "Brook Street"),
]
ORGANISATIONS = ["Northshire County Council", "Eastvale Bus Company", "St Aidan's Academy",
                 "Kelbridge Community Centre", "Harbourside Allotment Society", "Northby Cricket Club",
                 "Westmoor Housing Association"]
COMMUNITY_GROUPS = ["Harbour Road Residents' Association", "Northby Town Centre Partnership",
                    "Eastvale Neighbourhood Watch"]
ITEMS = ["two bottles of vodka", "make-up and perfume", "a pair of trainers", "sweets and energy drinks",
         "a phone charger and headphones", "meat and cheese", "a bottle of aftershave", "a football shirt"]
AMOUNTS = [15, 24, 38, 45, 60, 85, 120, 150, 240, 340, 480, 650]

# What happened --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """Texts for one offence category. {rp} is the responsible party, {hp} the harmed party."""

    places: tuple[str, ...]
    accounts: tuple[tuple[str, str], ...]  # (what happened, the harm caused)
    harmed: str  # person, organisation, either, shop or community
    young_victims: bool = False
    adult_only: bool = False


AT_STREET, AT_VENUE = "{street}, {town}", "{venue}"
STORIES = {
    "shoplifting": Story(
        ("{shop}, {street}, {town}",),
        (("{rp} took {item} from {shop} and left without paying. Stopped outside by a member of staff; the goods "
          "were recovered.",
          "Goods worth £{amount} taken, some could not be resold. Staff feel anxious about groups coming in."),
         ("Store CCTV shows {rp} hiding {item} in a school bag. Security called police; {rp} was co-operative.",
          "£{amount} of stock; the manager spent most of a day on statements and CCTV."),
         ("{rp} was one of a group that went into {shop} and took {item}. Identified from CCTV and the manager's "
          "description.",
          "Loss of £{amount}. A member of staff was sworn at when she tried to stop the group and has asked not "
          "to work late shifts since.")),
        "shop",
    ),
    "theft": Story(
        (AT_VENUE, AT_STREET),
        (("{rp} picked up {hp}'s phone from a bench at {venue} and walked off with it. Recovered two days later.",
          "{hp} was without a phone for two days and lost photos of a family member that were not backed up."),
         ("{rp} took a bicycle belonging to {hp} that was left outside {venue}. It was found damaged nearby.",
          "Repairs cost £{amount}; {hp} relied on lifts to get to work in the meantime."),
         ("{rp} took {hp}'s wallet from a coat at {venue}; the cards were used for small purchases.",
          "£{amount} spent on the cards and the trouble of replacing them; {hp} no longer feels safe in the area.")),
        "person",
    ),
    "criminal-damage": Story(
        (AT_STREET, AT_VENUE),
        (("{rp} kicked the wing mirror off a vehicle belonging to {hp} after an argument with friends.",
          "Repair quote of £{amount}, and a day off work to deal with it."),
         ("{rp} sprayed graffiti tags on walls and shutters belonging to {hp}.",
          "Cleaning and repainting cost £{amount}; it was upsetting to see every morning until it was removed."),
         ("{rp} threw stones at windows belonging to {hp}, breaking two panes.",
          "£{amount} of damage; people nearby say the area feels less safe since.")),
        "either",
    ),
    "common-assault": Story(
        (AT_VENUE, AT_STREET),
        (("{rp} pushed {hp} to the ground during an argument at {venue}. No lasting injury; witnesses stepped in.",
          "Bruising and grazes. {hp} has been anxious about going out in the evening."),
         ("After a dispute on social media, {rp} slapped {hp} near {venue}. Others filmed it and shared the video.",
          "{hp} was embarrassed that the video was shared and missed several days of school or work."),
         ("{rp} punched {hp} once after being refused entry to a party.",
          "A split lip needing first aid; {hp} says the worst part was not knowing why it happened.")),
        "person",
        young_victims=True,
    ),
    "public-order": Story(
        (AT_VENUE, AT_STREET),
        (("{rp} shouted abuse and threats at staff at {venue} after being asked to leave.",
          "Staff felt intimidated; one has since changed shifts."),
         ("{rp} was part of a group banging on doors and swearing at residents who complained about the noise.",
          "Residents lost sleep over several weekends and feel the street is no longer theirs.")),
        "either",
    ),
    "burglary": Story(
        (AT_STREET,),
        (("{rp} went into an unlocked garden shed belonging to {hp} and took tools and a bicycle.",
          "Property worth £{amount}. New locks and lights fitted since; {hp} sleeps badly."),
         ("{rp} went into a back room of premises belonging to {hp} through an unlocked door and took cash.",
          "£{amount} taken; the owner feels violated that someone was inside.")),
        "either",
    ),
    "vehicle-crime": Story(
        (AT_STREET,),
        (("{rp} tried car door handles in {street} and took loose change and sunglasses from {hp}'s unlocked car.",
          "Items worth £{amount}; {hp} worries about it happening again."),
         ("{rp} took {hp}'s moped for a ride and left it in a field; it was recovered scratched.",
          "Repairs of £{amount}; {hp} used the moped to get to work and paid for taxis meanwhile.")),
        "person",
    ),
    "drugs-possession": Story(
        (AT_VENUE,),
        (("{rp} was found with a small amount of cannabis for personal use during a stop and search at {venue}.",
          "No individual victim. Residents have complained about drug use in the area; {hp} will speak for them."),
         ("{rp} was seen smoking cannabis with friends at {venue}; a small amount was found on them.",
          "No individual victim; the harm is to the people who use {venue}, represented by {hp}.")),
        "community",
    ),
    "harassment": Story(
        (AT_STREET, AT_VENUE),
        (("Over several weeks {rp} sent {hp} abusive messages and waited outside their home after a falling out.",
          "{hp} blocked several accounts, has trouble sleeping and says they feel watched."),
         ("{rp} repeatedly shouted insults at {hp} on the way to and from school.",
          "{hp} has changed their route to school and dreads the journey.")),
        "person",
        young_victims=True,
    ),
    "online-harm": Story(
        ("Online (reported in {town})",),
        (("{rp} set up a fake account in {hp}'s name and posted edited photos to embarrass them.",
          "{hp} did not want to go to school for a week and has been seeing the school counsellor."),
         ("{rp} shared screenshots of {hp}'s private messages in a group chat; they were removed within a day.",
          "{hp} felt humiliated and worries that the screenshots are still going round."),
         ("{rp} posted abusive comments about {hp} in a class group chat.",
          "{hp} left the group chat and now feels left out of plans with friends.")),
        "person",
        young_victims=True,
    ),
    "fraud": Story(
        (AT_STREET,),
        (("{rp} used {hp}'s bank card, found in the street, for contactless purchases totalling £{amount}.",
          "£{amount} lost until the bank refunded it; {hp} was distressed and embarrassed."),
         ("{rp} sold concert tickets online that did not exist; {hp} paid £{amount} by bank transfer.",
          "{hp} lost £{amount} saved for a birthday present.")),
        "person",
    ),
    "arson": Story(
        (AT_VENUE,),
        (("{rp} set fire to a wheelie bin behind {venue}; it spread to a fence belonging to {hp} before the fire "
          "service put it out.",
          "Replacement bin and fence panels cost £{amount}; neighbours were frightened by the smoke."),
         ("{rp} and a friend lit a small fire in changing rooms at {venue} run by {hp}, damaging benches.",
          "Repairs of £{amount}, and the changing rooms were closed for a week.")),
        "organisation",
    ),
    "other": Story(
        (AT_STREET, AT_VENUE),
        (("{rp} made repeated hoax calls to {hp}, tying up the phone line during opening hours.",
          "Staff time wasted and worry about missing genuine calls."),
         ("{rp} let off fireworks next to premises of {hp} late at night.",
          "Neighbours, including an elderly resident, were frightened; a dog ran off and was found the next day.")),
        "organisation",
    ),
    # Excluded by the default policy: these referrals are declined as not eligible.
    "sexual-offence": Story(
        ("Number 12 bus, {street}, {town}",),
        (("{rp} touched {hp} inappropriately on a crowded bus and did not stop when asked.",
          "{hp} was frightened and has stopped taking the bus."),),
        "person",
    ),
    "domestic-abuse": Story(
        (AT_STREET,),
        (("During an argument at their shared home, {rp} pushed their partner {hp} against a wall and broke their "
          "phone.",
          "Bruising to the arm; {hp} is staying with family."),),
        "person",
        adult_only=True,
    ),
}
CATEGORY_WEIGHTS = {"shoplifting": 22, "criminal-damage": 16, "common-assault": 14, "theft": 10, "public-order": 8,
                    "harassment": 6, "online-harm": 6, "burglary": 4, "vehicle-crime": 4, "drugs-possession": 4,
                    "fraud": 3, "arson": 2, "other": 3}
ADMISSIONS = {
    True: ["{rp} admitted it when spoken to and said sorry.", "Admitted in a voluntary interview.",
           "{rp} admitted it straight away and offered to put things right."],
    False: ["{rp} denies being involved.", "{rp} says it was someone else and gave no comment in interview."],
    None: ["Interview still to be arranged.", ""],
}

# Screening ------------------------------------------------------------------------------------

INFO_EXCHANGES = [  # what a supervisor asks, what the officer answers
    ("Has the harmed party been told about the referral, and what is their view?",
     "Spoke to the harmed party by phone: willing to take part and would like an apology."),
    ("Please add the guardian's contact details and confirm they support the referral.",
     "Added the mother's details; she supports the referral and will attend."),
    ("Was responsibility admitted in interview or only at the scene?",
     "Admitted in a recorded voluntary interview on the same day."),
    ("What is the value of the loss or damage? Is there a repair quote?",
     "The owner sent a quote; the figure is now in the harm section."),
    ("Any previous cautions, community resolutions or diversions?",
     "One community resolution two years ago for something unrelated, nothing since."),
    ("Any safeguarding concerns we should know about before we make contact?",
     "Checked with the youth offending team: none known, and the family is engaged."),
]
# Reason texts stay short: move_referral also stores the reason as simple_history's
# history_change_reason, which PostgreSQL limits to 100 characters.
DECLINE_NOTES = {
    DeclineReason.NOT_ELIGIBLE: ["Outside the programme's policy.", "Policy exclusion; back for a charging decision."],
    DeclineReason.NO_ADMISSION: ["Please re-refer if responsibility is admitted later.", ""],
    DeclineReason.HARMED_PARTY_OBJECTS: ["The harmed party wants the matter to go to court.",
                                         "Victim services report that the harmed party strongly objects."],
    DeclineReason.RISK: ["Escalating behaviour and a known weapon.",
                         "Ongoing intimidation of the harmed party."],
    DeclineReason.INSUFFICIENT_INFORMATION: ["No answer to two requests for details.", ""],
    DeclineReason.OTHER: ["Already dealt with by a community resolution.", "Responsible party has left the country."],
}
WITHDRAW_REASONS = ["The harmed party now wants a prosecution.", "Charged after further offences came to light.",
                    "Responsible party moved out of the area.", "Duplicate of another referral.",
                    "The CPS advised a charge."]
OVERRIDE_JUSTIFICATION = (
    "The earlier diversions were years ago and unrelated; the harmed party strongly supports a meeting."
)

# Case work ------------------------------------------------------------------------------------
# {rp}, {hp} and {gd} are the first names (or an organisation's name) of the responsible party, the
# harmed party and a guardian.

VENUES = [  # name, partner, address: a few rooms of the partners, where most conferences are held
    ("Restorative Justice Suite", "Northshire Victim Support", "14 Castle Street, Northby NB1 2AA"),
    ("Garden Room", "Northshire Victim Support", "14 Castle Street, Northby NB1 2AA"),
    ("The Hub, Meeting Room 2", "Eastvale Youth Service", "The Hub, 3 Mill Lane, Eastvale EV2 4BD"),
    ("Westmoor Youth Outreach Room", "Eastvale Youth Service", "Westmoor Library, Brook Street, Westmoor WM1 4QD"),
    ("Pastoral Centre", "St Aidan's Academy", "Grove Road, Kelbridge KB3 6HJ"),
]
VENUES_BY_AGENCY = {  # which venues suit the referrals of each agency, nearest first
    "NSP": ["Restorative Justice Suite", "Garden Room", "Pastoral Centre"],
    "EVC": ["The Hub, Meeting Room 2", "Restorative Justice Suite"],
    "WMR": ["Westmoor Youth Outreach Room", "The Hub, Meeting Room 2"],
}
CONFERENCE_ADDRESSES = {  # halls booked for one conference, when no venue suits
    "NSP": ["Kelbridge Community Centre, Station Road, Kelbridge KB2 5LP",
            "St Mark's Church Hall, Victoria Road, Northby NB4 1JS"],
    "EVC": ["Ashcombe Village Hall, Church Street, Ashcombe AC2 7RW",
            "Eastvale Quaker Meeting House, Park Avenue, Eastvale EV1 3DN"],
    "WMR": ["Harbourside Methodist Church Hall, Harbour Road, Harbourside HS1 3QT",
            "Westmoor Village Hall, Elm Close, Westmoor WM2 6PA"],
}
COMMUNITY_MEMBERS = ["Pat Okoro (residents' association)", "Revd Sue Marsh (St Mark's Church)",
                     "Dev Mistry (town centre manager)", "Jean Callaghan (neighbourhood watch)",
                     "Owen Pryce (youth club volunteer)", "Cllr Anita Roy (ward councillor)"]

CONTACT_NOTES = {
    "reached": ["Explained the process; agreed to a home visit.", "Talked it through; wants time to think.",
                "Keen to take part and asked who else would be there.", "Agreed to meet at the office next week.",
                "Had questions about what happens if it does not work out; answered them.",
                "Visited at home and went through the leaflet together."],
    "no_answer": ["Left a voicemail.", "No reply; will try again.", "Number rang out.", "Letter sent with my number.",
                  "Nobody in at the home visit; left a card."],
    "refused": ["Does not want to take part and does not want to be contacted again.",
                "Would rather the police dealt with it; respected that.",
                "Declined: wants to put it behind them."],
}
ASSESSMENT_NOTES = {
    "low": ["Calm, reflective and clear about what happened.", "Supportive family; understands the process.",
            "Wants to hear from the other side and to be heard."],
    "medium": ["Some anger still; agreed ground rules and a break signal.",
               "Anxious about meeting; a supporter will sit with them.",
               "Peer pressure was part of it; keep the friends out of the room."],
    "high": ["Volatile in the first meeting; needs a second preparation session.",
             "Risk of blaming the harmed party; co-facilitator and separate waiting rooms."],
}
CASE_NOTES = ["Spoke to the school's pastoral lead: attendance has improved since the incident.",
              "Parent asked whether this will show on a DBS check; explained the diversion outcome.",
              "Harmed party would like a supporter with them; their sister will come.",
              "Checked dates with both sides: weekday evenings suit best.",
              "Responsible party has started a part-time job; meetings after 5 pm.",
              "Discussed with the supervisor: a co-facilitator would help with this one."]
CONFERENCE_NOTES = [
    "{hp} described the weeks after the incident; {rp} listened and apologised without prompting. "
    "Both agreed the outcome in their own words.",
    "{rp} found it hard to start but explained what was going on at the time. {hp} said it helped to hear it. "
    "{gd} spoke about the family's worry.",
    "Tense first half; a short break helped. {rp} took responsibility and offered to put things right. "
    "{hp} accepted the offer of repayment.",
    "{hp} asked why them; {rp} said it was not planned and was ashamed. Agreement came easily after that.",
    "{rp} was quiet but engaged. {hp} wanted to know that it would not happen again; the plan covers that.",
]
RESCHEDULE_REASONS = ["The harmed party is away that week.", "The responsible party has an exam that day.",
                      "The co-facilitator is unwell.", "The venue is closed for repairs.",
                      "A guardian could not get time off work."]
CANCEL_REASONS = {
    "closed_no_conference": ["The harmed party no longer wishes to meet.",
                             "The harmed party has moved away and asked us to close the case."],
    "returned": ["The responsible party withdrew consent.", "The responsible party stopped replying."],
}
AGREEMENT_SUMMARIES = [
    "{rp} will put things right as listed below; {hp} will hear from the facilitator when it is done.",
    "Agreed by everyone in the room. {rp} chose the community work; {hp} asked for the letter.",
    "{rp} and {gd} agreed the plan with {hp}; the facilitator will check in fortnightly.",
    "A short agreement: {hp} wanted an apology and to know it will not happen again.",
]
ITEM_TEXTS = {  # kind: [(description, partner name or "")]
    "restitution": [("Pay £{amount} to {hp} towards the loss, in instalments", "Northshire Victim Support"),
                    ("Pay £{amount} towards the cost of repairs", "Northshire Victim Support"),
                    ("Repay £{amount} to {hp}", "")],
    "community_service": [("{hours} hours of litter picking and graffiti removal", "Eastvale Youth Service"),
                          ("{hours} hours helping at the youth centre's Saturday sessions", "Eastvale Youth Service"),
                          ("{hours} hours sorting donations at the victim support charity shop",
                           "Northshire Victim Support"),
                          ("{hours} hours of gardening at the community allotments", "")],
    "apology": [("Write a letter of apology to {hp}, passed on by the facilitator", "Northshire Victim Support"),
                ("Write a letter of apology to {hp}", "")],
    "programme": [("Attend a four-session victim awareness course", "Northshire Victim Support"),
                  ("Complete the youth service's anger management programme", "Eastvale Youth Service"),
                  ("Two sessions with a drug and alcohol worker", "Eastvale Youth Service"),
                  ("Complete an online safety and respect workshop", "Eastvale Youth Service")],
    "school": [("Attend school every day for the rest of term", "St Aidan's Academy"),
               ("Meet the pastoral lead weekly until half term", "St Aidan's Academy")],
    "other": [("Stay away from {place} for three months", ""),
              ("Return the items still at home", ""),
              ("Help repair the damage with a parent, arranged by the facilitator", "")],
}
ITEM_DONE_NOTES = {
    "restitution": "Paid in full.", "community_service": "All hours done.",
    "apology": "Letter read and passed on.", "programme": "Attended every session.",
    "school": "Attendance checked every week.", "other": "Confirmed by the facilitator.",
}
MISSED_NOTES = ["Did not turn up to the sessions arranged.", "No payment since the first one; no reply to letters.",
                "Not done by the due date despite two reminders."]
WAIVE_NOTES = ["The harmed party said what was done was enough.", "Waived: circumstances changed (new job).",
               "The harmed party declined to receive it.", "Waived by the supervisor after a review meeting."]
RENEGOTIATION_REASONS = ["The Saturday sessions clash with a new job; fewer hours over a longer time, plus a course.",
                         "Could not keep up the payments; agreed a smaller sum and community work instead."]
RETURN_NOTES = {
    "withdrew_consent": ["Took legal advice and no longer wants to take part.",
                         "No longer willing to meet the harmed party."],
    "no_contact": ["Five attempts by phone, letter and a home visit over several weeks.",
                   "No reply to calls or letters; the address may be out of date."],
    "non_compliance": ["Missed the agreed sessions and payments; no contact since the reminders.",
                       "Did not keep to the agreement despite a review meeting."],
    "re_arrest": ["Arrested for a further offence; the police will deal with both together."],
    "other": ["The CPS asked for the file back: a linked offence is being charged.",
              "Transferred to another force's scheme after a move."],
}
CLOSE_REASONS = {
    "intake": ["The harmed party declined to take part; no alternative process was suitable.",
               "The harmed party declined and did not want a letter or shuttle mediation."],
    "ready": ["The harmed party changed their mind before a date was set; no alternative was suitable.",
              "The responsible party moved out of the area before a date was set."],
    "scheduled": ["The conference was cancelled and the harmed party did not want another date.",
                  "The harmed party moved away; no alternative process was suitable."],
}
REOFFENDING_NOTES = {  # re-arrested?: what the supervisor found in the police records
    False: ["Police national computer checked: no arrests or charges since the case closed.",
            "No new arrests on the force system or the PNC.", "", ""],
    True: ["Arrested for shoplifting; charged and bailed to court.",
           "Arrested for criminal damage; released under investigation.",
           "Arrested after a fight in the town centre; community resolution.", "Charged with theft from a vehicle."],
}
SURVEY_COMMENTS = {  # by how the harmed party felt overall: good (4-5), mixed (3), poor (1-2)
    "good": ["Meeting him face to face helped me stop being scared in my own shop.",
             "The facilitator kept me informed at every step. I felt listened to.",
             "I was sceptical at first, but hearing the apology in person meant a lot.",
             "It was hard, but I am glad I did it. The letter was genuine.",
             "Quicker and more personal than going to court would have been."],
    "mixed": ["The meeting was fine but the payments took a long time to arrive.",
              "I would have liked more notice of the date of the meeting.",
              "Some of it helped; I am not sure he understood how it affected my family."],
    "poor": ["I did not feel the apology was sincere.",
             "Too much time passed between the incident and the meeting.",
             "Nobody told me the agreement had not been kept until I asked."],
}
# fmt: on
