"""The six catalogs are complete and consistent with the code: every message a person reads is marked, extracted,
translated in every language with the same placeholders, and the domain's words are the glossary's."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from journal.i18n import LANGUAGES, SOURCE_LANGUAGE, TRANSLATIONS, compile_catalogs
from tests.i18n_checks import ROOT, extracted, placeholders, unmarked

# CLDR's plural categories, as Babel writes them into each catalog's header (French and Spanish have "many" for
# un million de …).
COUNTS = {"%(num)d", "%(num)s", "%(count)d", "%(count)s"}  # the number a plural form is chosen by
PLURAL_FORMS = {"zh": 1, "en": 2, "fr": 3, "es": 3, "ru": 3, "ar": 6}


def catalog(code: str):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


@pytest.fixture(scope="module")
def marked():
    return extracted()


def key(message):
    return message.id if isinstance(message.id, str) else tuple(message.id)


def test_every_string_a_person_reads_in_a_template_is_marked_for_translation():
    found = unmarked([ROOT / "templates"])
    listing = "\n".join(f"{name}: {strings[:3]}" for name, strings in found.items())
    assert not found, f"strings not marked for translation (python -m tests.i18n_checks lists them):\n{listing}"


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_catalog_holds_exactly_the_messages_the_code_marks(code, marked):
    messages = {key(m) for m in catalog(code) if m.id}
    missing = set(marked) - messages
    obsolete = messages - set(marked)
    assert not missing, f"{code}: {len(missing)} messages not in the catalog (make translations): {sorted(map(str, missing))[:10]}"
    assert not obsolete, f"{code}: {len(obsolete)} messages no longer used: {sorted(map(str, obsolete))[:10]}"
    assert not catalog(code).obsolete, f"{code}: obsolete (#~) entries are kept"


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_message_is_translated_and_none_is_fuzzy(code):
    found = catalog(code)
    assert found.num_plurals == PLURAL_FORMS[code]
    untranslated = [m.id for m in found if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in found if m.id and m.fuzzy]
    assert not untranslated, f"{code}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{code}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != SOURCE_LANGUAGE])
def test_translations_keep_the_placeholders_and_markup_of_the_source(code):
    wrong = []
    for message in catalog(code):
        if not message.id:
            continue
        if isinstance(message.id, str):
            if placeholders(message.string) != placeholders(message.id):
                wrong.append((message.id, message.string))
            if sorted(re.findall(r"</?\w+", message.string)) != sorted(re.findall(r"</?\w+", message.id)):
                wrong.append((message.id, message.string))
        else:
            # Each form may leave out the count ("one file", "no issues"), never another value.
            allowed = placeholders(" ".join(message.id))
            needed = (placeholders(message.id[0]) & placeholders(message.id[1])) - COUNTS
            for form in message.string:
                if not placeholders(form) <= allowed or not needed <= placeholders(form):
                    wrong.append((message.id, form))
    assert not wrong, f"{code}: placeholders or tags differ from the English: {wrong[:5]}"


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != SOURCE_LANGUAGE])
def test_the_words_of_the_domain_are_the_glossary_s(code):
    """Where a message is exactly a glossary term (a label such as "Reviewer" or "Abstract"), its translation is the
    glossary's word for it, so that the same idea has one name on every page."""
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", (ROOT / "docs" / "glossary" / f"{code}.md").read_text(), re.M)
    terms = {english.split(" (")[0].strip().lower(): word.strip() for english, word in rows[1:]}
    checked, differing = 0, []
    for message in catalog(code):
        # A label is capitalised ("Reviewer", "History"); the same word inside a phrase may mean something else.
        if isinstance(message.id, str) and message.id[:1].isupper() and message.id.lower() in terms:
            checked += 1
            if terms[message.id.lower()].lower() not in message.string.lower():
                differing.append((message.id, message.string, terms[message.id.lower()]))
    assert checked >= 5, f"{code}: only {checked} glossary terms are messages of their own"
    assert not differing, f"{code}: translated otherwise than the glossary: {differing}"


def test_catalogs_compile(tmp_path):
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        target = tmp_path / po.parts[-3] / "LC_MESSAGES"
        target.mkdir(parents=True)
        (target / "messages.po").write_bytes(po.read_bytes())
    assert sorted(compile_catalogs(tmp_path)) == sorted(LANGUAGES)
    assert all(Path(p).stat().st_size > 1000 for p in tmp_path.glob("*/LC_MESSAGES/messages.mo"))
