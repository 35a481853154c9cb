"""Which language a page is written in: the saved preference, the `lang` cookie, Accept-Language, the journal's
default, within the languages the journal offers; right-to-left Arabic; the choice itself on every page."""

import re
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import select

from journal.extensions import db
from journal.i18n import TRANSLATIONS
from journal.models import AuditEvent, User


def translated(code: str, message: str) -> str:
    text = Translations.load(str(TRANSLATIONS), [code]).gettext(message)
    assert code == "en" or text != message, f"{message!r} has no {code} translation"
    return text


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def test_a_reader_gets_the_language_the_browser_asks_for(client, make_journal):
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert html_tag(page) == '<html lang="zh-Hans" dir="ltr">'
    assert translated("zh", "Log in") in page and ">Log in<" not in page
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert 'lang="ru"' in html_tag(page) and translated("ru", "Log in") in page


def test_with_no_wish_the_journal_s_default_language_is_used(client, make_journal):
    journal = make_journal(default_language="zh")
    page = client.get(f"/j/{journal.slug}/").get_data(as_text=True)
    assert 'lang="zh-Hans"' in html_tag(page)
    other = make_journal()  # English by default
    assert 'lang="en"' in html_tag(client.get(f"/j/{other.slug}/").get_data(as_text=True))


def test_a_journal_offers_only_its_languages(client, make_journal):
    journal = make_journal(default_language="zh", languages=["zh", "en"])
    page = client.get(f"/j/{journal.slug}/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in html_tag(page), "French is not offered: the journal's default"
    assert "Français" not in page and "English" in page and "中文" in page
    page = client.get(f"/j/{journal.slug}/", headers={"Accept-Language": "fr, en;q=0.8"}).get_data(as_text=True)
    assert 'lang="en"' in html_tag(page)


def test_the_choice_on_every_page_is_remembered_in_a_cookie_over_the_browser_s_wish(client, make_journal):
    journal = make_journal()
    page = client.get(f"/j/{journal.slug}/").get_data(as_text=True)
    assert 'name="lang" value="ar"' in page and "<script" not in page.split("<main")[0], "a plain form, no script"
    response = client.get(f"/language?lang=ar&next=/j/{journal.slug}/")
    assert response.status_code == 302 and response.location.endswith(f"/j/{journal.slug}/")
    assert "lang=ar" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get(f"/j/{journal.slug}/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_tag(page) == '<html lang="ar" dir="rtl">'


def test_the_language_choice_never_sends_the_reader_to_another_site(client):
    response = client.get("/language?lang=fr&next=https://evil.example/")
    assert response.status_code == 302 and "evil.example" not in response.location
    assert client.get("/language?lang=xx&next=/").status_code == 400


def test_a_signed_in_person_s_choice_is_saved_and_followed_everywhere(client, login, make_user, make_journal):
    user = make_user()
    login(user)
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'method="post"' in page.split('class="language-choice"')[1][:300]
    response = client.post("/language", data={"lang": "es", "next": "/account/profile"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "es"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.language_changed")).one()
    assert event.payload["language"] == "es"
    client.delete_cookie("lang")
    page = client.get("/account/profile", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'lang="es"' in html_tag(page), "the saved preference wins over the browser"


def test_the_profile_saves_the_language_of_pages_and_mails(client, login, make_user):
    user = make_user()
    login(user)
    client.post("/account/profile", data={"given_name": "Ada", "family_name": "X", "email": user.email,
                                          "country": "", "timezone": "Asia/Shanghai", "language": "zh"})
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "zh"


def test_registering_keeps_the_language_the_person_registered_in(client, outbox):
    client.post("/register", headers={"Accept-Language": "zh-CN"}, data={
        "email": "li.wei@example.cn", "password": "a long passphrase of mine", "confirm": "a long passphrase of mine",
        "given_name": "伟", "family_name": "李", "country": "CN"})
    user = db.session.scalars(select(User).where(User.email == "li.wei@example.cn")).one()
    assert user.language == "zh"
    mail = outbox("li.wei@example.cn")[-1]
    assert mail.subject == translated("zh", "Confirm your email address")


def test_arabic_pages_are_right_to_left_and_the_stylesheet_has_no_sides(client, make_journal):
    journal = make_journal(default_language="ar")
    for path in ("/", f"/j/{journal.slug}/", "/search?q=moon", "/login", "/register"):
        page = client.get(path, headers={"Accept-Language": "ar"}).get_data(as_text=True)
        assert html_tag(page) == '<html lang="ar" dir="rtl">', path
    css = (Path(__file__).resolve().parents[1] / "journal/static/css/site.css").read_text()
    sided = re.findall(r"(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)|\b(?:left|right):", css)
    allowed = {"text-align: left", "text-align: right"}  # .md-align-*: an author's table column keeps its side
    assert [s for s in sided if s not in allowed] == [], "use logical properties (margin-inline-start …)"


def test_dates_are_written_as_the_reader_s_language_writes_them(client, login, make_user):
    user = make_user(language="zh", timezone="Asia/Shanghai")
    login(user)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d CST", page), "a date in Chinese, in the reader's zone, named"


def test_public_pages_vary_by_language_for_caches(client, make_journal):
    journal = make_journal()
    english = client.get(f"/j/{journal.slug}/", headers={"Accept-Language": "en"})
    chinese = client.get(f"/j/{journal.slug}/", headers={"Accept-Language": "zh"})
    assert "Accept-Language" in english.headers["Vary"]
    assert english.headers["ETag"] != chinese.headers["ETag"]
    again = client.get(f"/j/{journal.slug}/", headers={"Accept-Language": "zh", "If-None-Match": english.headers["ETag"]})
    assert again.status_code == 200, "an English copy is never current for a Chinese reader"


@pytest.mark.parametrize("code", ["zh", "fr", "es", "ru", "ar"])
def test_country_names_are_in_the_reader_s_language(client, code):
    page = client.get("/register", headers={"Accept-Language": code}).get_data(as_text=True)
    names = {"zh": "中国", "fr": "Chine", "es": "China", "ru": "Китай", "ar": "الصين"}
    assert f'<option value="CN">{names[code]}</option>' in page


def test_a_managing_editor_sets_the_journal_s_languages(client, login, make_user, make_journal):
    from journal.models import Journal, Role

    journal = make_journal()
    manager = make_user(roles={journal: Role.MANAGING_EDITOR})
    login(manager)
    page = client.get(f"/manage/{journal.slug}/settings").get_data(as_text=True)
    assert page.count('type="checkbox" name="languages"') == 6 and page.count('name="languages" value="zh" checked')
    form = {"title": journal.title, "reference_prefix": journal.reference_prefix, "licence": "CC-BY-4.0",
            "review_mode": "double_anonymous", "review_days": "28", "response_days": "7", "reviews_required": "2",
            "page_limit": "60", "default_language": "fr", "languages": ["en", "zh"]}
    page = client.post(f"/manage/{journal.slug}/settings", data=form).get_data(as_text=True)
    assert "The default language must be one of the languages offered." in page
    assert 'name="languages" value="zh" checked' in page, "what was ticked is kept"
    client.post(f"/manage/{journal.slug}/settings", data={**form, "default_language": "zh"})
    db.session.expire_all()
    saved = db.session.get(Journal, journal.id)
    assert (saved.default_language, saved.languages) == ("zh", ["zh", "en"])
    client.post("/logout")
    assert 'lang="zh-Hans"' in html_tag(client.get(f"/j/{journal.slug}/").get_data(as_text=True))
