"""Mails the editor can word: the journal's own texts per language, checked placeholders, preview, reset, and the
invitation worded for one reviewer before it leaves."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.audit import history
from journal.extensions import db
from journal.models import AuditEvent, MailTemplate, Role, utcnow
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import mail_templates as service
from journal.services.errors import DomainError
from tests.test_decisions import submit_review
from tests.test_reviews import reviewed  # noqa: F401  (the fixture)

AUTHOR_TRACES = ("Mei", "Chen")


def mails_url(submission, key="review_invitation", language="en"):
    return f"/manage/{submission.journal.slug}/mails/{key}/{language}"


def test_the_manager_words_a_letter_per_language_and_the_decision_page_drafts_it(client, login, reviewed, outbox):
    submission, people, [first, second] = reviewed
    login(people["manager"])
    listing = client.get(f"/manage/{submission.journal.slug}/mails").get_data(as_text=True)
    assert "Decision letter: accept" in listing and "Built-in" in listing
    page = client.get(mails_url(submission, "decision_accept", "fr")).get_data(as_text=True)
    assert "{greeting}" in page and "{reviews}" in page and "accepté" in page  # the built-in text, in French
    response = client.post(mails_url(submission, "decision_accept", "en"), data={
        "subject": "Accepted: {title}", "body": "{greeting}\n\nGood news from {journal}: “{title}” is accepted.\n\n"
                                               "{reviews}"})
    assert response.status_code == 302
    client.post(mails_url(submission, "decision_accept", "fr"), data={
        "subject": "Accepté : {title}", "body": "{greeting}\n\nBonne nouvelle de {journal} : « {title} » est accepté."})
    assert {(t.key, t.language) for t in db.session.scalars(select(MailTemplate))} == {
        ("decision_accept", "en"), ("decision_accept", "fr")}
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "mail_template.saved"))] == ["mail_template.saved"] * 2

    submit_review(people, "reviewer", first)
    submit_review(people, "reviewer2", second)
    login(people["editor"])
    form = client.get(f"/editorial/jdse/submissions/{submission.id}/decide?kind=accept").get_data(as_text=True)
    assert "Good news from" in form and "Regolith heat flow" in form and "Reviewer 1:" in form
    french = client.get(f"/editorial/jdse/submissions/{submission.id}/decide?kind=accept&letter_language=fr")
    assert "Bonne nouvelle de" in french.get_data(as_text=True)


def test_the_reviewer_thanks_and_the_reminder_use_the_journals_text_in_the_reviewers_language(reviewed, outbox):
    submission, people, [first, second] = reviewed
    people["reviewer"].language = "es"
    db.session.commit()
    service.save_template(people["manager"], submission.journal, "review_thanks", "es",
                          subject="Gracias, {reviewer_name}", body="Gracias por su revisión de «{title}» ({decision}).")
    service.save_template(people["manager"], submission.journal, "review_thanks", "en",
                          subject="Thanks", body="English thanks for {title}.")
    submit_review(people, "reviewer", first)
    submit_review(people, "reviewer2", second)
    editorial.decide(people["editor"], submission, kind="accept", letter="Dear Mei Chen, accepted with thanks.")
    [spanish] = [m for m in outbox("rosa@example.org") if m.template == "review_thanks"]
    assert spanish.subject == "Gracias, Rosa Lindqvist"
    assert "Gracias por su revisión de «Regolith heat flow»" in spanish.body_text
    [english] = [m for m in outbox("tomas@example.org") if m.template == "review_thanks"]
    assert english.subject == "Thanks" and "English thanks for Regolith heat flow." in english.body_text


def test_an_unknown_placeholder_is_refused_by_its_name_and_the_text_is_kept(client, login, reviewed):
    submission, people, _assignments = reviewed
    login(people["manager"])
    typed = "Dear {reviewr_name},\n\nplease review “{title}” for us."
    response = client.post(mails_url(submission), data={"subject": "Please review", "body": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Unknown placeholder {reviewr_name}" in page
    assert "Dear {reviewr_name}," in page and "please review “{title}” for us." in page
    broken = client.post(mails_url(submission), data={"subject": "Please review", "body": "Dear {reviewer_name"})
    assert broken.status_code == 400 and "A brace is not closed" in broken.get_data(as_text=True)
    attribute = client.post(mails_url(submission), data={"subject": "x", "body": "{title.__class__}"})
    assert "Unknown placeholder {title.__class__}" in attribute.get_data(as_text=True)
    assert db.session.scalars(select(MailTemplate)).all() == []


def test_preview_renders_with_a_real_submission_and_reset_restores_the_default(client, login, reviewed):
    submission, people, _assignments = reviewed
    login(people["manager"])
    page = client.get(mails_url(submission)).get_data(as_text=True)
    assert f'value="{submission.id}"' in page and "{reviewer_name}" in page and "the reviewer's name" in page
    preview = client.post(mails_url(submission, language="zh"), data={
        "subject": "审稿邀请：{journal}", "body": "{reviewer_name}，您好：\n\n请审阅《{title}》，截止 {due}。",
        "submission_id": submission.id, "preview": "1"}).get_data(as_text=True)
    assert "Preview (not saved)" in preview and "请审阅《Regolith heat flow》" in preview
    assert "审稿邀请：" in preview and "年" in preview  # a date written the Chinese way
    assert db.session.scalars(select(MailTemplate)).all() == []

    client.post(mails_url(submission), data={"subject": "Review for {journal}?", "body": "Hello {reviewer_name}."})
    assert "Review for {journal}?" in client.get(mails_url(submission)).get_data(as_text=True)
    response = client.post(mails_url(submission) + "/reset", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Review for {journal}?" not in page and "invite you to review a manuscript" in page
    assert db.session.scalars(select(MailTemplate)).all() == []
    assert "mail_template.reset" in [e.action for e in history(submission.journal)]


def test_only_the_journals_managing_editors_edit_its_mails(client, login, reviewed, make_user, make_journal):
    submission, people, _assignments = reviewed
    other = make_journal("other")
    stranger = make_user(roles={other: Role.MANAGING_EDITOR})
    for person in (people["editor"], people["reviewer"], stranger):
        login(person)
        for url in (f"/manage/jdse/mails", mails_url(submission)):
            assert client.get(url).status_code in (403, 404), (person.email, url)
        assert client.post(mails_url(submission) + "/reset").status_code in (403, 404)
    login(people["manager"])
    assert client.get(mails_url(submission, "no_such_mail")).status_code == 404
    submission.journal.languages = ["zh", "en"]
    db.session.commit()
    assert client.get(mails_url(submission, language="ar")).status_code == 404


def test_the_editor_sees_the_invitation_and_words_it_for_one_reviewer(client, login, reviewed, make_user, outbox):
    submission, people, _assignments = reviewed
    newcomer = make_user("noor@example.net", given_name="Noor", family_name="Haddad",
                         roles={submission.journal: Role.REVIEWER}, language="fr")
    login(people["editor"])
    base = f"/editorial/jdse/submissions/{submission.id}/reviewers/invite"
    dates = {"respond_by": (utcnow() + timedelta(days=5)).date().isoformat(),
             "due_at": (utcnow() + timedelta(days=30)).date().isoformat()}
    page = client.post(base, data={"reviewer_id": newcomer.id, **dates, "preview_mail": "1"}).get_data(as_text=True)
    assert 'name="mail_body"' in page and "{reviewer_name}" in page  # the text to change, with placeholders
    assert "Noor Haddad" in page and "Regolith heat flow" in page  # and as Noor will read it

    mine = "Dear {reviewer_name},\n\nwe would value your eyes on “{title}”. Answer by {respond_by}:\n{link}"
    refused = client.post(base, data={"reviewer_id": newcomer.id, **dates, "mail_subject": "A review?",
                                      "mail_body": mine + " {oops}"})
    assert refused.status_code == 400 and "Unknown placeholder {oops}" in refused.get_data(as_text=True)
    assert "we would value your eyes" in refused.get_data(as_text=True)  # kept
    client.post(base, data={"reviewer_id": newcomer.id, **dates, "mail_subject": "A review?", "mail_body": mine})
    [mail] = [m for m in outbox("noor@example.net") if m.template == "review_invitation"]
    assert mail.subject == "A review?" and "we would value your eyes on “Regolith heat flow”" in mail.body_text
    assert "http://journal.test/review/invitations/" in mail.body_text
    [event] = [e for e in history(submission) if e.action == "review.invited" and e.payload.get("worded_by_hand")]
    assert "we would value your eyes" in event.payload["mail_body"]
    # Another reviewer gets the journal's wording.
    invitation_service.invite_reviewer(people["editor"], submission, email="sam@example.net", name="Sam Ode")
    [other] = [m for m in outbox("sam@example.net") if m.template == "review_invitation"]
    assert "value your eyes" not in other.body_text and "invite you to review a manuscript" in other.body_text


def test_a_revision_round_invitation_says_the_reviewer_saw_the_paper(reviewed, outbox):
    from journal.services import drafts as draft_service
    from journal.services import manuscripts as manuscript_service
    from journal.services import submissions as submission_service
    from tests.pdfs import manuscript_pdf

    submission, people, [first, second] = reviewed
    submit_review(people, "reviewer", first)
    submit_review(people, "reviewer2", second)
    editorial.decide(people["editor"], submission, kind="major_revision", letter="Dear Mei Chen, please revise.")
    manuscript_service.upload_manuscript(people["author"], submission, io.BytesIO(manuscript_pdf(["Revised"])),
                                         "revised.pdf")
    if submission_service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(people["author"], submission)
    submission_service.resubmit(people["author"], submission, response="Done.")
    service.save_template(people["manager"], submission.journal, "review_invitation", "en", subject="Round again",
                          body="Dear {reviewer_name},\n\n{revision_note}\n\n{link}")
    invitation_service.send_to_previous_reviewers(people["editor"], submission)
    rosa = [m for m in outbox("rosa@example.org") if m.template == "review_invitation"][-1]
    assert "a revised version (round 2) of a manuscript you reviewed" in rosa.body_text  # the journal's text
    tomas = [m for m in outbox("tomas@example.org") if m.template == "review_invitation"][-1]
    assert "a revised version (round 2)" in tomas.body_text
    first_round = [m for m in outbox("rosa@example.org") if m.template == "review_invitation"][0]
    assert "revised version" not in first_round.body_text


@pytest.mark.parametrize("key", [k for k, spec in service.KEYS.items() if spec.audience == service.REVIEWERS])
def test_reviewer_mails_offer_no_author_names(reviewed, key):
    submission, people, _assignments = reviewed
    assert not {"greeting", "author", "authors", "author_name", "corresponding"} & set(service.KEYS[key].placeholders)
    body = " ".join("{%s}" % name for name in service.KEYS[key].placeholders)
    subject, text = service.preview(people["manager"], submission.journal, key, "en", submission, subject=body,
                                    body=body)
    for trace in AUTHOR_TRACES:
        assert trace not in subject and trace not in text, (key, trace)


def test_the_check_refuses_formats_and_conversions():
    for text in ("{title!r}", "{title:>40}"):
        with pytest.raises(DomainError, match="without"):
            service.check_text("review_invitation", text)
    assert service.render_text("{{literal}} {title}", {"title": "{x}"}) == "{literal} {x}\n"
