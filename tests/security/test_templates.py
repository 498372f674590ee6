"""No template of the app carries code or styles the Content-Security-Policy would refuse.

The policy allows only the app's own script and style files: an inline <script>, an event handler
attribute (onclick=…), a javascript: link, a style="…" attribute or a <style> block would be
blocked in the browser without a word. Emails are not served, so their inline styles stay: an
email's HTML template is the one with a plain-text twin beside it (email.html and email.txt).
"""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
TAG = re.compile(r"<[a-zA-Z][^>]*>")
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)


def project_templates() -> list[Path]:
    """Return the HTML templates of the project's own directories, without the emails'."""
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(BASE_DIR) and "site-packages" not in Path(config.path).parts
    ]
    found = [path for folder in folders if folder.is_dir() for path in folder.rglob("*.html")]
    return [path for path in found if not path.with_suffix(".txt").exists()]


def problems(text: str) -> list[str]:
    found = [f"inline script: {match.group()}" for match in INLINE_SCRIPT.finditer(text)]
    found += [f"<style> block at {match.start()}" for match in STYLE_BLOCK.finditer(text)]
    for tag in TAG.findall(text):
        if HANDLER.search(tag) or STYLE_ATTRIBUTE.search(tag) or "javascript:" in tag.lower():
            found.append(tag)
    return found


def test_the_checks_catch_what_they_look_for():
    assert problems('<p style="color: red">') and problems("<script>alert(1)</script>")
    assert problems('<button onclick="go()">') and problems('<a href="javascript:go()">') and problems("<style>")
    assert not problems('<script src="/static/js/app.js"></script><script type="application/json">{}</script>')
    assert not problems('<p class="text-pre-line" data-online="1">')


def test_no_template_has_inline_script_or_style():
    templates = project_templates()
    assert any(path.name == "base.html" for path in templates)

    found = {str(path.relative_to(BASE_DIR)): problems(path.read_text()) for path in templates}

    assert {path: issues for path, issues in found.items() if issues} == {}
