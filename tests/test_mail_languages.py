"""Every mail is written in its recipient's language, whatever the language of the page that caused it: an
account's saved language, else the journal's default (people without an account), else what the author chose
for a co-author; with dates in the recipient's time zone."""

import re

import pytest
from flask_babel import force_locale, lazy_gettext

from journal.extensions import db
from journal.mail import queue_mail, written_to
from journal.models import Role
from journal.services import editorial
from journal.services import invitations as invitation_service
from tests.papers import submit_paper

SCRIPTS = {"zh": r"[\u4e00-\u9fff]", "ar": r"[\u0600-\u06ff]", "ru": r"[\u0400-\u04ff]"}


def share(text: str, pattern: str) -> float:
    letters = re.findall(r"[^\W\d_]", text)
    return len([c for c in letters if re.match(pattern, c)]) / max(1, len(letters))


@pytest.fixture
def paper(make_journal, make_user):
    def build(default_language="en", to_review=True):
        journal = make_journal(review_mode="double_anonymous", default_language=default_language)
        manager = make_user(roles={journal: Role.MANAGING_EDITOR}, language="en")
        author = make_user(language="zh")
        submission = submit_paper(author, journal)
        editorial.assign_handling_editor(manager, submission, manager.id)
        if to_review:
            editorial.send_to_review(manager, submission)
        return journal, submission, manager

    return build


def invitation(outbox, address):
    [mail] = [m for m in outbox(address) if m.template == "review_invitation"]
    return mail


def test_each_reviewer_is_invited_in_their_own_language(app, paper, make_user, outbox):
    journal, submission, manager = paper()
    reviewers = {code: make_user(roles={journal: Role.REVIEWER}, language=code) for code in ("zh", "ar", "ru", "en")}
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):  # the editor works in French
        for reviewer in reviewers.values():
            invitation_service.invite_reviewer(manager, submission, user_id=reviewer.id)
    english = invitation(outbox, reviewers["en"].email)
    assert english.subject == f"Invitation to review for {journal.title}"
    assert f"the editors of {journal.title} invite you to review a manuscript:" in english.body_text
    for code, pattern in SCRIPTS.items():
        mail = invitation(outbox, reviewers[code].email)
        with app.test_request_context("/"), force_locale(code):
            subject = str(lazy_gettext("Invitation to review for %(journal)s", journal=journal.title))
            invite = str(lazy_gettext("the editors of %(journal)s invite you to review a manuscript:",
                                      journal=journal.title))
        assert mail.subject == subject and share(subject, pattern) > 0.3, (code, mail.subject)
        assert invite in mail.body_text and share(invite, pattern) > 0.5, (code, mail.body_text[:300])
        # What the author wrote (title, abstract) stays as written; only the letter around it is translated.
        assert submission.title in mail.body_text


def test_a_person_without_an_account_is_written_to_in_the_journal_s_default_language(app, paper, outbox):
    journal, submission, manager = paper(default_language="es")
    invitation_service.invite_reviewer(manager, submission, email="nueva@example.org", name="Ana Nueva")
    mail = invitation(outbox, "nueva@example.org")
    with app.test_request_context("/"), force_locale("es"):
        spanish = str(lazy_gettext("Invitation to review for %(journal)s", journal=journal.title))
    assert spanish != f"Invitation to review for {journal.title}", "the catalog translates the subject"
    assert mail.subject == spanish


def test_the_decision_letter_reaches_the_author_in_their_language(app, paper, outbox):
    journal, submission, manager = paper()
    editorial.decide(manager, submission, kind="reject", letter=editorial.default_decision_letter(submission, "reject"),
                     override_reason="Out of scope.")
    [mail] = [m for m in outbox(submission.submitter.email) if m.template == "decision"]
    assert share(mail.subject, SCRIPTS["zh"]) > 0.2 and share(mail.body_text, SCRIPTS["zh"]) > 0.3


def test_mails_name_dates_in_the_recipient_s_zone_and_language(app, make_user):
    user = make_user(language="zh", timezone="Asia/Shanghai")
    from datetime import UTC, datetime

    from journal.templating import format_datetime

    with app.test_request_context("/"):
        with written_to(user):
            written = format_datetime(datetime(2026, 12, 5, 8, 30, tzinfo=UTC))
        assert written == "2026年12月5日 16:30 CST"
        assert format_datetime(datetime(2026, 12, 5, 8, 30, tzinfo=UTC)).endswith("08:30 UTC"), "and back after"


def test_queue_mail_writes_a_lazy_subject_in_the_recipient_s_language(app, make_user):
    user = make_user(language="ru")
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        message = queue_mail(user, "password_changed", subject=lazy_gettext("Your password was changed"))
        db.session.commit()
        with force_locale("ru"):
            russian = str(lazy_gettext("Your password was changed"))
    assert message.subject == russian != "Your password was changed"


def test_the_editor_sees_the_letter_s_language_and_may_write_it_in_another(app, client, login, paper, outbox):
    journal, submission, manager = paper(to_review=False)  # the author reads Chinese; the journal is English
    login(manager)
    url = f"/editorial/{journal.slug}/submissions/{submission.id}/desk-reject"
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "go out in <strong>Chinese</strong>" in page and "It is the language of the corresponding author." in page
    with app.test_request_context("/"), force_locale("zh"):
        greeting = str(lazy_gettext("Dear %(name)s,", name=submission.submitter.full_name))
    assert greeting in page, "the journal's letter, drafted in the author's language"
    assert f'{url}?letter_language=fr' in page.replace("&amp;", "&")
    page = client.get(f"{url}?letter_language=fr", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "go out in <strong>French</strong>" in page and "The corresponding author's language is Chinese." in page
    letter = "Madame, Monsieur, votre manuscrit sort du cadre de la revue ; nous ne pouvons pas l'évaluer."
    client.post(url, data={"letter": letter, "letter_language": "fr", "version": submission.version})
    [mail] = [m for m in outbox(submission.submitter.email) if m.template == "decision"]
    with app.test_request_context("/"), force_locale("fr"):
        subject = str(lazy_gettext("Decision on %(reference)s: %(title)s", reference=submission.reference,
                                   title=submission.title))
    assert mail.subject == " ".join(subject.split()) and letter in mail.body_text  # one line, plain spaces


def test_a_co_author_without_an_account_is_written_to_in_the_language_the_author_chose(app, make_journal, make_user,
                                                                                       outbox):
    journal = make_journal()
    author = make_user(language="en")
    submit_paper(author, journal, coauthor=dict(given_name="Ana", family_name="Souza", email="ana@inpe.example",
                                                affiliation="INPE", mail_language="es"))
    [mail] = [m for m in outbox("ana@inpe.example") if m.template == "coauthor_listed"]
    with app.test_request_context("/"), force_locale("es"):
        assert mail.subject.startswith(str(lazy_gettext("You are listed as an author of %(reference)s",
                                                        reference="")).strip()[:12])
    assert not mail.subject.startswith("You are listed")
