"""Journals, sections, settings and members, as a platform admin and a managing editor use them."""

from sqlalchemy import select

from journal.audit import history
from journal.extensions import db
from journal.models import Journal, Membership, ReviewMode, Role

SETTINGS = {
    "title": "Journal of Deep Space Exploration", "abbreviation": "J. Deep Space Explor.", "reference_prefix": "JDSE",
    "issn_print": "", "issn_online": "2049-3630", "publisher": "IDSEA", "doi_prefix": "10.59999",
    "licence": "CC-BY-4.0", "review_mode": "double_anonymous", "review_days": "28", "response_days": "7",
    "reviews_required": "2", "accepting_submissions": "y", "description": "Missions beyond Earth orbit.",
    "author_guidelines": "PDF only.", "page_limit": "60", "submission_checklist": "",
}


def test_admin_creates_a_journal_with_default_sections_and_appoints_its_managing_editor(client, login, make_user, outbox):
    admin = make_user(admin=True)
    manager = make_user("lin.zhao@example.org")
    login(admin)
    response = client.post("/admin/journals/new", data={
        "title": "Journal of Deep Space Exploration", "slug": "JDSE", "reference_prefix": "jdse",
        "review_mode": "triple_anonymous", "publisher": "IDSEA", "description": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/manage/jdse/members"
    journal = db.session.scalar(select(Journal))
    assert (journal.slug, journal.reference_prefix, journal.review_mode) == ("jdse", "JDSE", ReviewMode.TRIPLE_ANONYMOUS)
    assert [s.title for s in journal.sections] == ["Research Article", "Review", "Letter"]

    response = client.post("/manage/jdse/members", data={"email": "Lin.Zhao@example.org", "role": "managing_editor"})
    assert response.status_code == 302
    membership = db.session.scalar(select(Membership))
    assert (membership.user_id, membership.role) == (manager.id, Role.MANAGING_EDITOR)
    [mail] = outbox(manager.email)
    assert mail.subject == "You are now managing editor of Journal of Deep Space Exploration"
    assert "http://journal.test/j/jdse/" in mail.body_text
    assert [e.action for e in history(journal)] == ["journal.created", "member.added"]
    assert "Journal of Deep Space Exploration" in client.get("/").get_data(as_text=True)


def test_journal_addresses_must_be_unique_and_well_formed(client, login, make_user, make_journal):
    make_journal("jdse")
    login(make_user(admin=True))
    for slug, message in [("jdse", "is taken by another journal"), ("admin", "reserved"), ("Deep Space!", "Use lower-case")]:
        page = client.post("/admin/journals/new", data={"title": "Another", "slug": slug, "reference_prefix": "AN",
                                                        "review_mode": "open"}).get_data(as_text=True)
        assert message in page, slug
        assert 'value="Another"' in page
    assert db.session.scalar(select(db.func.count()).select_from(Journal)) == 1


def test_managing_editor_changes_settings_and_the_change_is_in_the_history(client, login, make_user, make_journal):
    journal = make_journal("jdse")
    login(make_user(roles={journal: Role.MANAGING_EDITOR}))
    response = client.post("/manage/jdse/settings", data={
        **SETTINGS, "review_days": "35", "reviews_required": "3", "page_limit": "40",
        "submission_checklist": "Not published elsewhere.\n\n  All authors   agree.  \n"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (journal.review_days, journal.reviews_required, journal.issn_online, journal.doi_prefix) == \
        (35, 3, "2049-3630", "10.59999")
    assert journal.page_limit == 40
    assert journal.submission_checklist == ["Not published elsewhere.", "All authors agree."]
    assert "All authors agree." in client.get("/manage/jdse/settings").get_data(as_text=True)
    [event] = [e for e in history(journal) if e.action == "journal.settings_changed"]
    assert event.payload["changes"]["review_days"] == "35"
    page = client.get("/manage/jdse/history").get_data(as_text=True)
    assert "Settings changed" in page and "review days: 35" in page


def test_invalid_settings_keep_what_was_typed_and_say_why(client, login, make_user, make_journal):
    journal = make_journal("jdse", title="Old title")
    login(make_user(roles={journal: Role.MANAGING_EDITOR}))
    cases = [
        ({"issn_online": "2049-3631"}, "check digit must match"),
        ({"doi_prefix": "11.1234"}, "A DOI prefix looks like 10.12345"),
        ({"review_days": "0"}, "Number must be between 1 and 365"),
        ({"reference_prefix": "j d"}, "Use 2 to 12 capital letters"),
        ({"title": ""}, "A journal needs a title."),
    ]
    for changes, message in cases:
        page = client.post("/manage/jdse/settings", data={**SETTINGS, "title": "New title", **changes}).get_data(as_text=True)
        assert message in page, changes
        if "title" not in changes:
            assert 'value="New title"' in page
    db.session.expire_all()
    assert journal.title == "Old title"


def test_sections_are_added_renamed_reordered_and_the_last_open_one_cannot_close(client, login, make_user, make_journal):
    journal = make_journal("jdse", sections=("Research Article",))
    login(make_user(roles={journal: Role.MANAGING_EDITOR}))
    assert client.post("/manage/jdse/sections", data={"title": "Mission Report"}).status_code == 302
    page = client.post("/manage/jdse/sections", data={"title": "mission report"}).get_data(as_text=True)
    assert "has a section “Mission Report” already" in page
    db.session.expire_all()
    first, second = journal.sections
    client.post(f"/manage/jdse/sections/{second.id}/move/up")
    db.session.expire_all()
    assert [s.title for s in journal.sections] == ["Mission Report", "Research Article"]
    client.post(f"/manage/jdse/sections/{first.id}", data={"title": "Research Article", "active": ""})
    page = client.post(f"/manage/jdse/sections/{second.id}", data={"title": "Mission Report", "active": ""}).get_data(as_text=True)
    assert "at least one open section" in page


def test_managing_editor_cannot_appoint_or_remove_managing_editors_but_manages_other_members(client, login, make_user, make_journal, outbox):
    journal = make_journal("jdse")
    manager = make_user(roles={journal: Role.MANAGING_EDITOR})
    colleague = make_user("colleague@example.org")
    login(manager)
    page = client.get("/manage/jdse/members").get_data(as_text=True)
    assert 'value="managing_editor"' not in page
    response = client.post("/manage/jdse/members", data={"email": colleague.email, "role": "managing_editor"})
    assert response.status_code == 200  # not an offered choice
    assert db.session.scalar(select(db.func.count()).select_from(Membership)) == 1

    assert client.post("/manage/jdse/members", data={"email": colleague.email, "role": "reviewer"}).status_code == 302
    page = client.post("/manage/jdse/members", data={"email": colleague.email, "role": "reviewer"}).get_data(as_text=True)
    assert "is reviewer of this journal already" in page
    page = client.post("/manage/jdse/members", data={"email": "stranger@example.org", "role": "editor"}).get_data(as_text=True)
    assert "No account uses this email address" in page and 'value="stranger@example.org"' in page

    own = db.session.scalar(select(Membership).where(Membership.user_id == manager.id))
    client.post(f"/manage/jdse/members/{own.id}/remove")
    assert db.session.get(Membership, own.id) is not None
    reviewer = db.session.scalar(select(Membership).where(Membership.user_id == colleague.id))
    client.post(f"/manage/jdse/members/{reviewer.id}/remove")
    assert db.session.scalar(select(Membership).where(Membership.id == reviewer.id)) is None
    assert [e.action for e in history(journal)] == ["member.added", "member.removed"]


def test_a_journal_keeps_at_least_one_managing_editor(client, login, make_user, make_journal):
    journal = make_journal("jdse")
    make_user(roles={journal: Role.MANAGING_EDITOR})
    login(make_user(admin=True))
    only = db.session.scalar(select(Membership))
    page = client.post(f"/manage/jdse/members/{only.id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "keeps at least one managing editor" in page
    assert db.session.get(Membership, only.id) is not None


def test_an_unknown_journal_address_is_a_clear_404(client):
    response = client.get("/j/no-such-journal/")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "There is no journal at “no-such-journal”" in page and "Page not found" in page


def test_journal_home_shows_description_sections_and_settings(client, make_journal):
    make_journal("jdse", title="Journal of Deep Space Exploration", description="Missions beyond Earth orbit.",
                 issn_online="2049-3630", sections=("Research Article", "Mission Report"))
    page = client.get("/j/jdse/").get_data(as_text=True)
    for text in ("Missions beyond Earth orbit.", "Mission Report", "2049-3630", "Submit a manuscript"):
        assert text in page
