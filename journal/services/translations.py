"""The second language of a paper's metadata: title, abstract and keywords again in another language (many
journals of the field ask for Chinese and English), checked the same way for a submission and for the published
version (journal/services/drafts.py, production.py)."""

from flask_babel import gettext as _
import pycountry

from journal.scholarly.identifiers import parse_keywords
from journal.services.errors import DomainError

TITLE_MAX = 500


def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code) if code else None
    return language.name if language else code


def clean_translation(paper_language: str, language: str | None, title: str | None, abstract: str | None,
                      keywords: str | list[str] | None) -> dict:
    """The four translated_* values, checked; all empty when the paper has no second language."""
    title = " ".join((title or "").split())
    abstract = (abstract or "").strip()
    language = (language or "").strip().lower()
    try:
        keywords = parse_keywords(keywords or "", limit=20)
    except ValueError as exc:
        raise DomainError(str(exc), "translated_keywords") from None
    if not (title or abstract or keywords):
        return {"translated_language": "", "translated_title": "", "translated_abstract": "",
                "translated_keywords": []}
    if not language:
        raise DomainError(_("Choose the language of the second title and abstract."), "translated_language")
    if pycountry.languages.get(alpha_2=language) is None:
        raise DomainError(_("Choose the second language from the list."), "translated_language")
    if language == (paper_language or "en").lower():
        raise DomainError(_("The second language must differ from the language of the paper."),
                          "translated_language")
    if not title:
        raise DomainError(_("Give the title in the second language too."), "translated_title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Please keep the title under 500 characters."), "translated_title")
    return {"translated_language": language, "translated_title": title, "translated_abstract": abstract,
            "translated_keywords": keywords}
