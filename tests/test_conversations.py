"""Conversations on a paper (journal/services/conversations.py): the editors with the authors, the editors with one
reviewer; mails to the other side in their language with a link that opens the thread; unread counts; a file
downloadable by the thread's two sides only; anonymity of names; the history of each side."""

import io

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import AuditEvent, Contributor, ReviewMode, Role
from journal.services import conversations
from journal.services import editorial
from journal.services import invitations as invitation_service
from tests.conftest import link_in
from tests.papers import submit_paper


@pytest.fixture
def paper(make_journal, make_user):
    def build(mode=ReviewMode.DOUBLE_ANONYMOUS):
        journal = make_journal(review_mode=mode)
        people = {
            "author": make_user("author@example.org", given_name="Xiaoming", family_name="Qiu", language="fr"),
            "coauthor": make_user("coauthor@example.org", given_name="Henrietta", family_name="Vasquez"),
            "manager": make_user("manager@example.org", given_name="Mona", family_name="Manager",
                                 roles={journal: Role.MANAGING_EDITOR}),
            "editor": make_user("editor@example.org", given_name="Eddie", family_name="Editor", language="zh",
                                roles={journal: Role.EDITOR}),
            "reviewer": make_user("reviewer@example.org", given_name="Rosalind", family_name="Thorvaldsen",
                                  language="es", roles={journal: Role.REVIEWER}),
        }
        submission = submit_paper(people["author"], journal, coauthor={
            "given_name": "Henrietta", "family_name": "Vasquez", "email": "coauthor@example.org",
            "affiliation": "Atacama Dust Observatory"})
        contributor = db.session.scalar(select(Contributor).where(Contributor.email == "coauthor@example.org"))
        contributor.user_id = people["coauthor"].id
        db.session.commit()
        editorial.assign_handling_editor(people["manager"], submission, people["editor"].id)
        editorial.send_to_review(people["editor"], submission)
        _a, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
        assignment = invitation_service.accept_invitation(token)
        return journal, submission, assignment, people

    return build


def urls(journal, submission, assignment):
    editorial_base = f"/editorial/{journal.slug}/submissions/{submission.id}/messages"
    return {"author": f"/submissions/{submission.id}/messages", "editor_authors": editorial_base + "/authors",
            "editor_reviewer": f"{editorial_base}/reviewers/{assignment.id}",
            "reviewer": f"/review/assignments/{assignment.id}/messages"}


def test_authors_and_editors_write_to_each_other_and_each_mail_opens_the_thread(client, login, paper, outbox):
    journal, submission, assignment, people = paper()
    to = urls(journal, submission, assignment)
    login(people["author"])
    response = client.post(to["author"], data={"body": "Could you confirm the word limit?"})
    assert response.status_code == 302
    mail = outbox("editor@example.org")[-1]
    assert "新" in mail.subject or "消息" in mail.subject, mail.subject  # the editor's language: Chinese
    assert "Qiu" not in mail.body_text  # "the authors": the mail does not say who
    login(people["editor"])
    page = client.get(link_in(mail.body_text))
    assert page.status_code == 200 and "Could you confirm the word limit?" in page.get_data(as_text=True)
    assert client.post(to["editor_authors"], data={"body": "Eight thousand words."}).status_code == 302
    for address in ("author@example.org", "coauthor@example.org"):
        mail = outbox(address)[-1]
        assert link_in(mail.body_text) == to["author"]
    assert "Eddie Editor" in outbox("author@example.org")[-1].body_text
    assert "message" in outbox("author@example.org")[-1].subject.lower()  # French: « nouveau message »
    login(people["coauthor"])
    text = client.get(to["author"]).get_data(as_text=True)
    assert "Eight thousand words." in text and "Eddie Editor" in text and "Xiaoming Qiu" in text
    assert client.post(to["author"], data={"body": "Thank you."}).status_code == 302  # a co-author may write too
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "submission", AuditEvent.subject_id == submission.id,
        AuditEvent.action.like("message.%")).order_by(AuditEvent.id))]
    assert actions == ["message.from_authors", "message.to_authors", "message.from_authors"]


def test_reviewer_and_editors_write_to_each_other_and_authors_never_see_it(client, login, paper, outbox):
    journal, submission, assignment, people = paper()
    to = urls(journal, submission, assignment)
    login(people["reviewer"])
    assert client.post(to["reviewer"], data={"body": "May I have two more weeks?"}).status_code == 302
    mail = outbox("editor@example.org")[-1]
    assert link_in(mail.body_text) == to["editor_reviewer"]
    assert "Rosalind Thorvaldsen" in mail.body_text
    assert client.get(to["author"]).status_code == 404  # the reviewer never reaches the authors' thread
    login(people["editor"])
    text = client.get(to["editor_reviewer"]).get_data(as_text=True)
    assert "May I have two more weeks?" in text and "Rosalind Thorvaldsen" in text
    assert client.post(to["editor_reviewer"], data={"body": "Of course."}).status_code == 302
    mail = outbox("reviewer@example.org")[-1]
    assert link_in(mail.body_text) == to["reviewer"]
    assert "Estimad" in mail.body_text or "Hola" in mail.body_text or "mensaje" in mail.body_text, mail.body_text
    login(people["reviewer"])
    text = client.get(to["reviewer"]).get_data(as_text=True)
    assert "Of course." in text and "Eddie Editor" in text
    login(people["author"])
    assert client.get(to["reviewer"]).status_code == 404
    assert client.get(to["editor_reviewer"]).status_code == 403  # the editorial office's door
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "two more weeks" not in page and "reviewer to the editors" not in page and "Rosalind" not in page
    assert not any("Rosalind" in m.body_text for m in outbox("author@example.org"))
    login(people["editor"])
    history = client.get(f"/editorial/{journal.slug}/submissions/{submission.id}").get_data(as_text=True)
    assert "审稿人给编辑的消息" in history and "编辑给审稿人的消息" in history  # in the editor's Chinese


def test_unread_counts_go_up_and_down(client, login, paper):
    journal, submission, assignment, people = paper()
    to = urls(journal, submission, assignment)
    conversations.post_message(people["author"], submission, None, "First.")
    conversations.post_message(people["author"], submission, None, "Second.")
    conversations.post_message(people["reviewer"], submission, assignment, "A question.")
    unread = {(t.kind, t.unread) for t in conversations.unread_threads(people["editor"])}
    assert unread == {("authors", 2), ("reviewer", 1)}
    assert conversations.unread_threads(people["author"]) == []  # their own messages are read
    assert conversations.unread_threads(people["manager"]) == []  # the paper has its handling editor
    login(people["editor"])
    page = client.get(f"/editorial/{journal.slug}/submissions/{submission.id}").get_data(as_text=True)
    assert "2 条未读" in page and "1 条未读" in page
    thread = next(t for t in conversations.unread_threads(people["editor"]) if t.kind == "authors")
    from flask import url_for
    with client.application.test_request_context():
        assert url_for(thread.endpoint, **thread.args) == to["editor_authors"]
    client.get(to["editor_authors"])
    assert [(t.kind, t.unread) for t in conversations.unread_threads(people["editor"])] == [("reviewer", 1)]
    client.post(to["editor_authors"], data={"body": "Answer."})
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "1 non lu" in page  # in the author's French
    [thread] = conversations.unread_threads(people["author"])
    assert (thread.kind, thread.unread, thread.endpoint) == ("authors", 1, "author.messages")
    client.get(to["author"])
    assert conversations.unread_threads(people["author"]) == []
    conversations.post_message(people["editor"], submission, assignment, "Please see.")
    login(people["reviewer"])
    assert "1 sin leer" in client.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    client.get(to["reviewer"])
    assert conversations.unread_threads(people["reviewer"]) == []


def test_a_file_reaches_only_the_threads_two_sides(client, login, paper):
    journal, submission, assignment, people = paper()
    to = urls(journal, submission, assignment)
    login(people["author"])
    response = client.post(to["author"], data={"body": "Our data.", "attachment": (io.BytesIO(b"a,b\n1,2\n"),
                                                                                 "qiu-data.csv")})
    assert response.status_code == 302
    text = client.get(to["author"]).get_data(as_text=True)
    assert "qiu-data" not in text  # kept under a neutral name
    file_url = f"{to['author']}/files/"
    assert file_url in text
    message_id = conversations.messages_of(people["author"], submission)[0].id
    assert client.get(f"{file_url}{message_id}").status_code == 302
    login(people["editor"])
    response = client.get(f"{to['editor_authors']}/files/{message_id}", follow_redirects=True)
    assert response.status_code == 200 and response.get_data() == b"a,b\n1,2\n"
    assert client.get(f"{to['editor_reviewer']}/files/{message_id}").status_code == 404  # not that thread's file
    login(people["reviewer"])
    assert client.get(f"{file_url}{message_id}").status_code == 404
    assert client.get(f"{to['reviewer']}/files/{message_id}").status_code == 404


def test_a_refused_message_keeps_what_was_typed(client, login, paper):
    journal, submission, assignment, people = paper()
    to = urls(journal, submission, assignment)
    login(people["author"])
    response = client.post(to["author"], data={"body": "  "})
    assert response.status_code == 400 and "Écrivez votre message." in response.get_data(as_text=True)
    response = client.post(to["author"], data={"body": "My long careful reply.",
                                                "attachment": (io.BytesIO(b"PK\x03\x04"), "reply.docx")})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "My long careful reply." in text and "Word" in text
    assert conversations.messages_of(people["author"], submission) == []


@pytest.mark.parametrize("mode", [ReviewMode.TRIPLE_ANONYMOUS, ReviewMode.SINGLE_ANONYMOUS])
def test_names_each_side_reads(client, login, paper, outbox, mode):
    journal, submission, assignment, people = paper(mode)
    to = urls(journal, submission, assignment)
    conversations.post_message(people["author"], submission, None, "A question.", io.BytesIO(b"Notes"), "qiu.txt")
    login(people["editor"])
    text = client.get(to["editor_authors"]).get_data(as_text=True)
    mails = " ".join(m.body_text + m.subject for m in outbox("editor@example.org"))
    if mode is ReviewMode.TRIPLE_ANONYMOUS:
        assert "Qiu" not in text and "Xiaoming" not in text and "<strong>作者</strong>" in text
        assert "Qiu" not in mails
        history = client.get(f"/editorial/{journal.slug}/submissions/{submission.id}").get_data(as_text=True)
        assert "Qiu" not in history
    else:
        assert "Xiaoming Qiu" in text
    login(people["manager"])
    assert "Xiaoming Qiu" in client.get(to["editor_authors"]).get_data(as_text=True)


def test_an_authors_file_naming_them_is_refused_in_triple_anonymous_journals(paper):
    from journal.services.errors import DomainError

    journal, submission, assignment, people = paper(ReviewMode.TRIPLE_ANONYMOUS)
    with pytest.raises(DomainError, match="names an author"):
        conversations.post_message(people["author"], submission, None, "Notes.",
                                   io.BytesIO("Written by Xiaoming Qiu.\n".encode()), "notes.txt")
    assert conversations.messages_of(people["author"], submission) == []
