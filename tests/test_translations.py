"""The catalogues: every string a participant reads translated, none left fuzzy, and the compiled
.mo files (kept in the repository) saying what the .po files say.

Staff pages mark their strings too, so that the staff interface can be translated; until it is,
their entries stay empty and Django shows the English. A string a participant page, form or
message uses must be translated, wherever else it is used as well.
"""

import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# What participants read: their pages, forms and messages, and the model choices named in them (the
# models' other labels are not marked). Every marked string of these files is a participant's.
PARTICIPANT_SOURCES = (
    "templates/participant/",
    "templates/invitation/",
    "templates/survey/",
    "templates/exchange/",
    "templates/reminders/email.",
    "reminders/messages.py",
    "conferences/participant_forms.py",
    "conferences/invitation_views.py",
    "conferences/exchange_link_views.py",
    "conferences/ics.py",
    "conferences/models.py",
    "cases/survey_forms.py",
    "cases/models.py",
)


def entries(po: Path) -> list[tuple[str, str, str, bool]]:
    """Return (flags, msgid, msgstr, for participants) of each entry but the header."""
    found = []
    for block in po.read_text().split("\n\n"):
        parts = {}
        for key in ("msgid", "msgstr"):  # of a plural message, its first form
            match = re.search(rf'^{key}(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
            parts[key] = "".join(json.loads(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"', match.group(1)))
        flags = " ".join(re.findall(r"^#,(.*)$", block, re.M))
        sources = " ".join(re.findall(r"^#: (.*)$", block, re.M)).split()
        participants = any(source.startswith(PARTICIPANT_SOURCES) for source in sources)
        if parts["msgid"]:
            found.append((flags, parts["msgid"], parts["msgstr"], participants))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_compiled(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    with open(po.with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    found = entries(po)

    theirs = [entry for entry in found if entry[3]]
    assert len(theirs) > 150 and len(found) > len(theirs) + 300  # the staff's strings are marked too
    assert [msgid for flags, msgid, *_ in found if "fuzzy" in flags] == []
    assert [msgid for _, msgid, msgstr, _ in theirs if not msgstr] == []
    assert [msgid for _, msgid, msgstr, _ in found if msgstr and compiled.gettext(msgid) != msgstr] == []
    for _, msgid, msgstr, _ in found:  # the same placeholders, or a message would break when sent
        if not msgstr:
            continue
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
