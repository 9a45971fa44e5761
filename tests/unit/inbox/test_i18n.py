"""The inbox's catalogs: every language has every key, and every key the templates
use exists."""

from __future__ import annotations

import re
from pathlib import Path

from app.inbox import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"
_USED = re.compile(r"""\bt\(\s*'([a-z_]+\.[A-Za-z_.]+)'\s*\)""")
_PREFIXED = re.compile(r"""\bt\(\s*'([a-z_.]+\.)'\s*~""")


def test_every_catalog_has_the_same_keys_and_placeholders() -> None:
    source = set(i18n.PT_BR)
    for language, catalog in i18n.CATALOGS.items():
        assert set(catalog) == source, language
        for key, text in catalog.items():
            assert re.findall(r"\{\w+\}", text) == re.findall(r"\{\w+\}", i18n.PT_BR[key]), key


def test_every_key_the_templates_use_exists() -> None:
    used: set[str] = set()
    prefixes: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        used.update(_USED.findall(text))
        prefixes.update(_PREFIXED.findall(text))
    assert used, "no t('...') found: the pattern is stale"
    missing = sorted(k for k in used if k not in i18n.PT_BR)
    assert missing == []
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in i18n.PT_BR), prefix


def test_the_default_is_brazilian_portuguese_whatever_the_cookie_says() -> None:
    assert i18n.pick_language(None) == "pt-BR"
    assert i18n.pick_language("klingon") == "pt-BR"
    assert i18n.pick_language("en") == "en"
    t = i18n.Translator("en")
    assert t("queue.title") == "Queue"
    assert t("no.such.key") == "no.such.key"
    assert t.reason("ai_not_configured") == "AI not configured"
    assert t.reason("something_new") == "something_new"
