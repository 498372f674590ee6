"""The participants' catalogues: every string translated, none left fuzzy, and the compiled .mo
files (kept in the repository) saying what the .po files say."""

import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def entries(po: Path) -> list[tuple[str, str, str]]:
    """Return (flags, msgid, msgstr) of each entry but the header."""
    found = []
    for block in po.read_text().split("\n\n"):
        parts = {}
        for key in ("msgid", "msgstr"):
            match = re.search(rf'^{key} ((?:".*"\n?)+)', block, re.M)
            parts[key] = "".join(json.loads(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"', match.group(1)))
        flags = " ".join(re.findall(r"^#,(.*)$", block, re.M))
        if parts["msgid"]:
            found.append((flags, parts["msgid"], parts["msgstr"]))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_compiled(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    with open(po.with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    found = entries(po)

    assert len(found) > 100
    assert [msgid for flags, msgid, msgstr in found if "fuzzy" in flags or not msgstr] == []
    assert [msgid for _, msgid, msgstr in found if compiled.gettext(msgid) != msgstr] == []
    for _, msgid, msgstr in found:  # the same placeholders, or a message would break when sent
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
