"""Plausible names and demographics, drawn with fixed weights so that a seed gives the same data."""

import itertools

# Surnames with a long tail, as in any population: a few are very common (what a person search
# on a common surname has to cope with), most are rare.
_COMMON_SURNAMES = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
    "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
    "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
    "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
    "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali",
    "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight",
    "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
    "Okafor", "Mensah", "Nowak", "Kowalski", "Nguyen", "Chen", "Ahmed", "Rahman", "Osei", "Boateng",
]  # fmt: skip
_SYLLABLES_A = ["Ash", "Brad", "Carr", "Dun", "Fair", "Gold", "Hart", "Kings", "Lang", "Mar", "Nor", "Pen",
                "Red", "Rose", "Stan", "Thorn", "Wes", "Whit", "Win", "Black", "Brook", "Crom", "Ells",
                "Hay"]  # fmt: skip
_SYLLABLES_B = ["ley", "ford", "well", "by", "ton", "wood", "field", "worth", "ham", "more", "bridge",
                "combe", "dale", "gate", "hurst", "stead", "wick", "land"]  # fmt: skip
_RARE_SURNAMES = [a + b for a, b in itertools.product(_SYLLABLES_A, _SYLLABLES_B)]

SURNAMES = _COMMON_SURNAMES + _RARE_SURNAMES
# Zipf-like weights: the n-th common surname weighs 1/(n+1); the rare ones share a small weight each.
SURNAME_CUM_WEIGHTS = list(
    itertools.accumulate([100 / (n + 10) for n in range(len(_COMMON_SURNAMES))] + [0.35] * len(_RARE_SURNAMES))
)
COMMON_SURNAME = _COMMON_SURNAMES[0]

FIRST_NAMES = {
    "male": ["Oliver", "Jack", "Harry", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie", "Oscar",
             "Leo", "Logan", "James", "Thomas", "Joshua", "Mohammed", "Daniel", "Liam", "Ryan", "Kyle",
             "Callum", "Connor", "Jordan", "Tyler", "Dylan", "Aaron", "Adam", "Ben", "Luke", "Sam",
             "David", "Paul", "Mark", "Andrew", "Michael", "Stephen", "Gary", "Darren", "Lee", "Dean"],
    "female": ["Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Mia", "Poppy", "Ella",
               "Lily", "Chloe", "Jessica", "Megan", "Hannah", "Lauren", "Amy", "Rebecca", "Sarah", "Laura",
               "Emma", "Charlotte", "Aisha", "Fatima", "Zara", "Leah", "Holly", "Jade", "Kayleigh", "Stacey",
               "Karen", "Julie", "Lisa", "Claire", "Helen", "Joanne", "Nicola", "Michelle", "Donna", "Tracey"],
    "other": ["Alex", "Sam", "Charlie", "Jordan", "Robin", "Jamie", "Riley", "Morgan", "Casey", "Quinn"],
}  # fmt: skip
FIRST_NAMES["not_stated"] = FIRST_NAMES["male"][:20] + FIRST_NAMES["female"][:20]

GENDERS = {
    # responsible parties are mostly young men; harmed parties and guardians are more balanced
    "responsible": (["male", "female", "other", "not_stated"], [72, 25, 1, 2]),
    "harmed": (["male", "female", "other", "not_stated"], [48, 48, 1, 3]),
    "guardian": (["male", "female", "other", "not_stated"], [30, 68, 0.5, 1.5]),
}
ETHNICITIES = (["white", "asian", "black", "mixed", "other", "not_stated"], [74, 9, 7, 4, 2, 4])

SHOPS = ["Co-op", "Tesco Express", "Boots", "Greggs", "Poundland", "Sainsbury's Local", "B&M", "Superdrug",
         "Spar", "Londis", "Iceland", "Home Bargains", "WHSmith", "Card Factory", "JD Sports"]  # fmt: skip
STREETS = ["High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Market Square",
           "Mill Lane", "London Road", "The Parade", "Queen Street", "Kings Road", "Bridge Street"]  # fmt: skip
TOWNS = ["Northbridge", "Easton", "Westmoor", "Southfield", "Kingsley", "Ashby", "Millbrook", "Harlow Green"]
