"""Languages: which one a page, a mail or a PDF is written in, and the catalogs behind them.

A page's language is, in order: the signed-in person's saved preference; the `lang` cookie set by the language
choice on every page; the browser's Accept-Language; the journal's default (or the platform's, off a journal's
pages). On a journal's pages only the languages that journal offers are chosen. A mail is written in its
recipient's saved language, else in the journal's default (`locale_for`).

The catalogs are translations/<code>/LC_MESSAGES/messages.po (Babel's gettext catalogs, kept with pybabel:
`make translations`); the compiled .mo files are made from them when the app starts if missing or older.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import current_user

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
COOKIE = "lang"
COOKIE_DAYS = 365


@dataclass(frozen=True)
class Language:
    code: str  # the catalog's name and what `lang` cookies and preferences hold
    native: str  # the language's name in itself, as the language choice shows it
    tag: str  # BCP 47, for <html lang> and xml:lang
    rtl: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


# Chinese first: the association's home language, then the other UN languages in the UN's own order.
LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("zh", "中文", "zh-Hans"),
        Language("en", "English", "en"),
        Language("fr", "Français", "fr"),
        Language("es", "Español", "es"),
        Language("ru", "Русский", "ru"),
        Language("ar", "العربية", "ar", rtl=True),
    )
}
SOURCE_LANGUAGE = "en"  # the language the messages are written in; its catalog maps each to itself


def language(code: str | None) -> Language:
    return LANGUAGES.get(code or "", LANGUAGES[SOURCE_LANGUAGE])


def known(code: str | None) -> str | None:
    """The catalog code for a typed or stored value ('zh-CN', 'ZH', 'zh_Hans' → 'zh'), or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def offered(journal=None) -> list[str]:
    """The languages a journal's pages are offered in (all, off a journal's pages), in the platform's order."""
    codes = getattr(journal, "languages", None) or list(LANGUAGES)
    return [code for code in LANGUAGES if code in codes]


def default_for(journal=None) -> str:
    default = known(getattr(journal, "default_language", None))
    return default or known(current_app.config.get("DEFAULT_LANGUAGE")) or SOURCE_LANGUAGE


def page_journal():
    """The journal whose pages these are, when a view said so (g.journal) or the URL names one."""
    journal = g.get("journal")
    if g.get("database_unavailable"):
        return None  # the outage page is chosen without asking the database
    if journal is None and has_request_context() and request.view_args and "slug" in request.view_args:
        from journal.extensions import db
        from journal.models import Journal

        journal = db.session.query(Journal).filter_by(slug=request.view_args["slug"]).one_or_none()
        g.journal = journal
    return journal


def choose(preference: str | None, cookie: str | None, accept, journal=None) -> str:
    """The rule in one place: preference, cookie, Accept-Language, journal default; within what is offered."""
    choices = offered(journal)
    for candidate in (known(preference), known(cookie)):
        if candidate in choices:
            return candidate
    if accept:
        best = accept.best_match([LANGUAGES[c].tag for c in choices] + choices)
        if known(best) in choices:
            return known(best)
    default = default_for(journal)
    return default if default in choices else choices[0]


def select_locale() -> str:
    if not has_request_context():
        return default_for(None)
    journal = page_journal()
    if g.get("database_unavailable"):
        return choose(None, request.cookies.get(COOKIE), request.accept_languages, None)
    preference = getattr(current_user, "language", None) if current_user and current_user.is_authenticated else None
    return choose(preference, request.cookies.get(COOKIE), request.accept_languages, journal)


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        return getattr(current_user, "timezone", None) or "UTC"
    return "UTC"


def current() -> Language:
    locale = get_locale()
    return language(str(locale.language) if locale else None)


def locale_for(person=None, journal=None, chosen: str | None = None) -> str:
    """The language to write to a person in: their saved one, else what was chosen for them (say by the author
    who listed them), else the journal's default."""
    for candidate in (getattr(person, "language", None), chosen):
        if known(candidate):
            return known(candidate)
    return default_for(journal)


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[str]:
    """Write each catalog's .mo beside its .po when missing or older; returns the codes compiled."""
    compiled = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parts[-3])
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        compiled.append(po_path.parts[-3])
    return compiled


def text_direction() -> str:
    return current().direction


def language_tag(code: str | None) -> str:
    """The BCP 47 tag for a lang attribute: zh → zh-Hans (the platform writes Simplified Chinese), others as given."""
    return LANGUAGES[code].tag if code in LANGUAGES else (code or "")


def language_name(code: str | None) -> str:
    """A language's name in the reader's language (CLDR): 'en' reads 英语 on a Chinese page, anglais on a French one."""
    if not code:
        return ""
    try:
        return Locale.parse(code).get_display_name(get_locale() or SOURCE_LANGUAGE) or code
    except (ValueError, TypeError):
        return code


def direction_of(code: str | None) -> str:
    """dir for a text in this language: rtl for Arabic (and other right-to-left scripts), else ltr."""
    return "rtl" if (code or "").split("-")[0] in ("ar", "fa", "he", "ur") else "ltr"


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", SOURCE_LANGUAGE)
    try:
        compile_catalogs()
    except OSError as error:  # a read-only install: the .mo files were made at build time (make install)
        log.warning("Could not compile the translation catalogs: %s", error)
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    from journal.scholarly.records import script_language

    app.jinja_env.filters.update(lang_tag=language_tag, language_name=language_name, text_dir=direction_of,
                                 script_lang=script_language)

    @app.context_processor
    def languages():
        this = current()
        return {"page_language": this, "languages": [LANGUAGES[c] for c in offered(page_journal())]}


def babel_locale(code: str) -> Locale:
    return Locale.parse(code)
