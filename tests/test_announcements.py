"""Announcements: managing editors post news on the journal's home page; readers see the three newest."""

import pytest

from journal.audit import history
from journal.models import Role
from journal.services import journals as journal_service
from journal.services.errors import DomainError, PermissionDenied


@pytest.fixture
def office(make_journal, make_user):
    journal = make_journal("jdse", title="Journal of Deep Space Exploration")
    return journal, make_user("lin@example.org", roles={journal: Role.MANAGING_EDITOR}), \
        make_user("ada@example.org", roles={journal: Role.EDITOR})


def test_a_managing_editor_posts_news_that_readers_see_on_the_home_page(client, login, office):
    journal, manager, _editor = office
    login(manager)
    page = client.get("/manage/jdse/announcements").get_data(as_text=True)
    assert "No announcements yet." in page
    response = client.post("/manage/jdse/announcements", data={"title": "Call for papers: Europa Clipper",
                                                               "body": "Deadline **1 March**. <script>x</script>"})
    assert response.status_code == 302
    client.post("/logout")
    home = client.get("/j/jdse/").get_data(as_text=True)
    assert "Call for papers: Europa Clipper" in home and "<strong>1 March</strong>" in home
    assert "<script>x</script>" not in home  # Markdown is sanitised
    assert [e.action for e in history(journal)][-1] == "announcement.posted"


def test_only_the_three_newest_show_and_removal_takes_one_away(client, login, office):
    journal, manager, _editor = office
    for n in range(4):
        journal_service.post_announcement(manager, journal, title=f"News {n}", body="")
    home = client.get("/j/jdse/").get_data(as_text=True)
    assert "News 3" in home and "News 1" in home and "News 0" not in home
    [newest] = journal_service.announcements_of(journal, limit=1)
    login(manager)
    assert client.post(f"/manage/jdse/announcements/{newest.id}/remove").status_code == 302
    client.post("/logout")
    home = client.get("/j/jdse/").get_data(as_text=True)
    assert "News 3" not in home and "News 0" in home


def test_a_title_is_required_and_only_managing_editors_post(client, login, office):
    journal, manager, editor = office
    with pytest.raises(DomainError, match="title"):
        journal_service.post_announcement(manager, journal, title="  ", body="text")
    with pytest.raises(PermissionDenied):
        journal_service.post_announcement(editor, journal, title="News", body="")
    login(editor)
    assert client.get("/manage/jdse/announcements").status_code == 403
    login(manager)
    page = client.post("/manage/jdse/announcements", data={"title": "", "body": "kept text"}).get_data(as_text=True)
    assert "Give the announcement a title." in page and "kept text" in page
