"""Each person's home (/home, services/workspace.py): where login leads, what waits for them across journals and
roles, most urgent first, each line linking to where it is done; a first visit says what one can do."""

import re
from datetime import timedelta

from journal.extensions import db
from journal.models import Role, utcnow
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import invitations as invitation_service
from tests.conftest import PASSWORD
from tests.papers import submit_paper
from tests.test_production import accepted_paper, ready_article


def lines(page: str) -> list[str]:
    """The task lines in order, as text without tags."""
    items = re.findall(r'<li class="task task-[^"]*">(.*?)</li>\s*(?=<li class="task|</ol>)', page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_login_and_a_confirmed_address_lead_home(client, make_user):
    user = make_user("nadia@example.org", given_name="Nadia")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/home"
    page = client.get("/home").get_data(as_text=True)
    assert "Welcome, Nadia" in page
    assert 'href="/home" aria-current="page"' in page  # the navigation's first link for signed-in people


def test_a_first_visit_says_what_one_can_do(client, login, make_user):
    login(make_user("newcomer@example.org"))
    page = client.get("/home").get_data(as_text=True)
    assert "Nothing waits for you just now." in page
    assert 'href="/submit"' in page  # submit
    assert "Volunteer to review" in page and 'href="/account/profile"' in page
    assert 'href="/search"' in page and "Browse the journals" in page
    assert len(page.encode()) < 100_000


def test_a_reviewer_sees_invitations_and_reviews_with_dates_overdue_first(client, login, make_journal, make_user):
    journal = make_journal()
    manager = make_user("manager@example.org", roles={journal: Role.MANAGING_EDITOR})
    reviewer = make_user("rev@example.org", roles={journal: Role.REVIEWER},
                         expertise_keywords=["regolith"])
    author = make_user("author@example.org")
    first = submit_paper(author, journal, title="Dust at the terminator")
    second = submit_paper(author, journal, title="Ice in polar craters")
    for paper in (first, second):
        editorial.send_to_review(manager, paper)
    invitation_service.invite_reviewer(manager, first, user_id=reviewer.id)
    _assignment, token = invitation_service.invite_reviewer(manager, second, user_id=reviewer.id)
    assignment = invitation_service.accept_invitation(token)
    assignment.due_at = utcnow() - timedelta(days=2)  # the review is late
    db.session.commit()

    login(reviewer)
    page = client.get("/home").get_data(as_text=True)
    found = lines(page)
    assert len(found) == 2, found
    assert found[0].startswith("Reviews to write was due") and "Ice in polar craters" in found[0]
    assert found[1].startswith("Invitations to answer due") and "Dust at the terminator" in found[1]
    assert f'href="/review/assignments/{assignment.id}"' in page
    answer_link = re.search(r'href="(/review/invitations/[^"]+)"', page).group(1)
    assert "Dust at the terminator" in client.get(answer_link).get_data(as_text=True)  # answered from there
    assert "1 is past its date." in page
    assert "Editors can find you as a reviewer by your expertise" in page and "regolith" in page
    assert "author@example.org" not in page and "Ada Author" not in page


def test_an_author_sees_drafts_revisions_and_proofs(client, login, make_journal, make_user):
    journal = make_journal()
    manager = make_user("manager@example.org", roles={journal: Role.MANAGING_EDITOR})
    author = make_user("author@example.org")
    draft = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                           checklist_confirmed=True)
    draft_service.update_metadata(author, draft, title="Half-written thoughts", keywords="moon", abstract="Soon.")
    revising = submit_paper(author, journal, title="Regolith heat flow")
    editorial.send_to_review(manager, revising)
    editorial.decide(manager, revising, kind="major_revision", letter="Please revise the paper as the reviewers ask.",
                     override_reason="The board reviewed it.")
    proofs = accepted_paper(journal, author, manager, title="Lunar swirls")
    ready_article(proofs, manager, author, approve=False)

    login(author)
    page = client.get("/home").get_data(as_text=True)
    text = " | ".join(lines(page))
    assert "Proofs to approve" in text and "Lunar swirls" in text
    assert "Revisions requested due" in text and "Regolith heat flow" in text  # with its due date
    assert "Unfinished drafts" in text and "Half-written thoughts" in text
    assert f'href="/submissions/{proofs.id}/proofs"' in page
    assert f'href="/submissions/{revising.id}/revise"' in page
    assert f'href="/submissions/{draft.id}"' in page
    assert "Nothing waits for you just now." not in page


def test_an_editor_sees_papers_needing_action_but_never_their_own(client, login, make_journal, make_user):
    journal = make_journal()
    manager = make_user("manager@example.org", roles={journal: Role.MANAGING_EDITOR})
    author = make_user("author@example.org")
    theirs = submit_paper(author, journal, title="Plasma waves near Io")
    own = submit_paper(manager, journal, title="My own comet paper")

    login(manager)
    page = client.get("/home").get_data(as_text=True)
    text = " | ".join(lines(page))
    assert "Papers needing your action" in text and "Plasma waves near Io" in text
    assert f'href="/editorial/{journal.slug}/submissions/{theirs.id}"' in page
    assert "My own comet paper" not in page.split('class="task-list"')[1].split("</ol>")[0]
    assert f"/editorial/{journal.slug}/submissions/{own.id}" not in page
    assert f'href="/editorial/{journal.slug}/"' in page  # the queue, under "Also here"


def test_stalled_papers_of_the_digest_show_with_their_notes(client, login, make_journal, make_user):
    journal = make_journal()
    manager = make_user("manager@example.org", roles={journal: Role.MANAGING_EDITOR})
    editor = make_user("editor@example.org", roles={journal: Role.EDITOR})
    author = make_user("author@example.org")
    reviewer = make_user("rev@example.org", roles={journal: Role.REVIEWER})
    paper = submit_paper(author, journal, title="Solar wind at Mars")
    editorial.assign_handling_editor(manager, paper, editor.id)
    editorial.send_to_review(editor, paper)
    assignment, _token = invitation_service.invite_reviewer(editor, paper, user_id=reviewer.id)
    assignment.respond_by = utcnow() - timedelta(days=3)
    db.session.commit()

    login(editor)
    page = client.get("/home").get_data(as_text=True)
    text = " | ".join(lines(page))
    assert "Solar wind at Mars" in text
    assert "answer was due" in text  # the digest's note, on the paper's line


def test_production_is_in_the_navigation_of_managing_editors(client, login, make_journal, make_user):
    journal = make_journal()
    manager = make_user("manager@example.org", roles={journal: Role.MANAGING_EDITOR})
    editor = make_user("editor@example.org", roles={journal: Role.EDITOR})
    login(manager)
    assert 'href="/production/"' in client.get("/home").get_data(as_text=True)
    assert client.get("/production/").headers["Location"] == f"/production/{journal.slug}/"
    second = make_journal("second", title="Second Journal")
    from journal.models import Membership
    db.session.add(Membership(user_id=manager.id, journal_id=second.id, role=Role.MANAGING_EDITOR))
    db.session.commit()
    page = client.get("/production/").get_data(as_text=True)
    assert f'href="/production/{journal.slug}/"' in page and 'href="/production/second/"' in page
    client.post("/logout")
    login(editor)
    assert 'href="/production/"' not in client.get("/home").get_data(as_text=True)
    assert client.get("/production/").status_code == 403


def test_unread_messages_show_on_the_home_and_go_once_read(client, login, make_journal, make_user):
    from journal.services import conversations

    journal = make_journal()
    manager = make_user("manager@example.org", roles={journal: Role.MANAGING_EDITOR})
    author = make_user("author@example.org")
    paper = submit_paper(author, journal, title="Plasma waves near Io")
    conversations.post_message(manager, paper, None, "Could you send the raw spectra?")
    conversations.post_message(manager, paper, None, "And the calibration files, please.")

    login(author)
    page = client.get("/home").get_data(as_text=True)
    text = " | ".join(lines(page))
    assert "Unread messages" in text and "2 unread" in text and "with the editors" in text
    assert f'href="/submissions/{paper.id}/messages"' in page
    client.get(f"/submissions/{paper.id}/messages")  # read
    assert "Unread messages" not in " | ".join(lines(client.get("/home").get_data(as_text=True)))
