"""The journal's review settings: reminder days, recommend-only editors, reviewers seeing each other's reviews."""

import re

import pytest

from journal.audit import history
from journal.extensions import db
from journal.models import Role
from journal.services import journals as journal_service
from journal.services.errors import DomainError

SETTINGS = {
    "title": "Journal of Deep Space Exploration", "abbreviation": "", "reference_prefix": "JDSE",
    "issn_print": "", "issn_online": "", "publisher": "", "doi_prefix": "", "licence": "CC-BY-4.0",
    "review_mode": "double_anonymous", "review_days": "28", "response_days": "7", "reviews_required": "2",
    "accepting_submissions": "y", "description": "", "author_guidelines": "", "page_limit": "60",
    "submission_checklist": "", "reminder_days_respond_by": "-2, 2", "reminder_days_due": "-7, -1, 3, 10",
    "reviewers_see_reviews": "y", "prints": "y",  # as the form sends them: a printing journal by default
}


def is_checked(page: str, name: str) -> bool:
    [tag] = re.findall(rf'<input[^>]* name="{name}"[^>]*>', page)
    return " checked " in tag


@pytest.fixture
def journal(make_journal):
    return make_journal("jdse", title="Journal of Deep Space Exploration", reference_prefix="JDSE")


@pytest.fixture
def manager(journal, make_user, login):
    user = make_user(roles={journal: Role.MANAGING_EDITOR})
    login(user)
    return user


def test_settings_page_shows_the_reminder_days_and_both_switches_with_hints(client, journal, manager):
    page = client.get("/manage/jdse/settings").get_data(as_text=True)
    assert 'name="reminder_days_respond_by"' in page and 'value="-2, +2"' in page
    assert 'value="-7, -1, +3, +10"' in page
    assert "Reminders about answering an invitation" in page and "Reminders about the review due date" in page
    assert "Days before (−) and after (+) the respond-by date" in page
    assert "Editors recommend; managing editors decide" in page
    assert "After the decision, reviewers see the other reviews" in page
    # The defaults: editors decide themselves, reviewers see the other reviews.
    assert not is_checked(page, "editors_recommend_only") and is_checked(page, "reviewers_see_reviews")


def test_managing_editor_changes_reminder_days_and_switches_and_the_history_says_so(client, journal, manager):
    response = client.post("/manage/jdse/settings", data={
        **SETTINGS, "reminder_days_respond_by": " 1; −3 ", "reminder_days_due": "+5, -5, 0, 5",
        "editors_recommend_only": "y", "reviewers_see_reviews": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert journal.reminder_days == {"respond_by": [-3, 1], "due": [-5, 0, 5]}
    assert journal.editors_recommend_only is True and journal.reviewers_see_reviews is False

    page = client.get("/manage/jdse/settings").get_data(as_text=True)
    assert 'value="-3, +1"' in page and 'value="-5, 0, +5"' in page
    assert is_checked(page, "editors_recommend_only") and not is_checked(page, "reviewers_see_reviews")
    [event] = [e for e in history(journal) if e.action == "journal.settings_changed"]
    assert set(event.payload["fields"]) == {"reminder_days", "editors_recommend_only", "reviewers_see_reviews"}
    page = client.get("/manage/jdse/history").get_data(as_text=True)
    assert "reminder days: answer by: -3, +1; review due: -5, 0, +5" in page
    assert "editors recommend only: yes" in page and "reviewers see reviews: no" in page


def test_empty_reminder_days_mean_no_reminders(client, journal, manager):
    client.post("/manage/jdse/settings", data={**SETTINGS, "reminder_days_respond_by": "", "reminder_days_due": " "})
    db.session.expire_all()
    assert journal.reminder_days == {"respond_by": [], "due": []}
    assert "answer by: none; review due: none" in client.get("/manage/jdse/history").get_data(as_text=True)


@pytest.mark.parametrize("field, typed, message", [
    ("reminder_days_respond_by", "-2, two", "“two” is not a whole number of days"),
    ("reminder_days_respond_by", "1.5", "“1.5” is not a whole number of days"),
    ("reminder_days_due", "-7, 90", "90 days is too far: use days from −60 to 60."),
    ("reminder_days_due", "-61", "-61 days is too far"),
    ("reminder_days_due", "1, 2, 3, 4, 5, 6, 7", "At most 6 reminders per date, please (you gave 7)."),
])
def test_bad_reminder_days_are_refused_beside_their_field_and_the_form_keeps_what_was_typed(
        client, journal, manager, field, typed, message):
    page = client.post("/manage/jdse/settings", data={**SETTINGS, "title": "Renamed", field: typed,
                                                       "editors_recommend_only": "y"}).get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
    assert f'value="{typed}"' in page and 'value="Renamed"' in page
    assert is_checked(page, "editors_recommend_only")
    db.session.expire_all()
    assert journal.title == "Journal of Deep Space Exploration" and journal.editors_recommend_only is False
    assert journal.reminder_days == {"respond_by": [-2, 2], "due": [-7, -1, 3, 10]}


def test_the_service_keeps_a_deadline_left_out_and_refuses_editors(journal, manager, make_user):
    journal_service.update_journal_settings(manager, journal, reminder_days={"due": [3, -1]})
    assert journal.reminder_days == {"respond_by": [-2, 2], "due": [-1, 3]}
    editor = make_user(roles={journal: Role.EDITOR})
    with pytest.raises(DomainError, match="Only the journal's managing editors"):
        journal_service.update_journal_settings(editor, journal, reviewers_see_reviews=False)


def test_an_editor_cannot_open_the_settings_page(client, journal, make_user, login):
    client.post("/logout")
    login(make_user(roles={journal: Role.EDITOR}))
    assert client.get("/manage/jdse/settings").status_code == 403
    assert client.post("/manage/jdse/settings", data={**SETTINGS, "editors_recommend_only": "y"}).status_code == 403
    db.session.expire_all()
    assert journal.editors_recommend_only is False


def test_the_days_for_a_revision_and_its_reminder_days_are_set_in_the_settings(client, journal, manager):
    page = client.get("/manage/jdse/settings").get_data(as_text=True)
    assert 'name="minor_revision_days"' in page and 'value="30"' in page and 'value="60"' in page
    assert 'name="reminder_days_revision"' in page and 'value="-7, +3"' in page  # the default, never saved
    response = client.post("/manage/jdse/settings", data={
        **SETTINGS, "minor_revision_days": "21", "major_revision_days": "90", "reminder_days_revision": "-3, 1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (journal.minor_revision_days, journal.major_revision_days) == (21, 90)
    assert journal.reminder_days["revision"] == [-3, 1]
    assert journal_service.reminder_days_of(journal, "revision") == [-3, 1]
