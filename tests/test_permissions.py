"""One permissions module answers every 'may this user do this'; the menu asks it too."""

import re

import pytest

from journal.models import Role
from journal.permissions import RULES, can


def test_every_route_is_guarded_by_the_permissions_module(app):
    unguarded = [
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "permission_action")
    ]
    assert unguarded == []


def test_an_unknown_action_is_an_error_not_a_silent_no(app, make_user):
    with pytest.raises(KeyError):
        can(make_user(admin=True), "journal.manaeg")


@pytest.fixture
def two_journals(make_journal, make_user):
    a, b = make_journal("alpha", title="Alpha Journal"), make_journal("beta", title="Beta Journal")
    people = {
        "admin": make_user(admin=True),
        "manager_a": make_user(roles={a: Role.MANAGING_EDITOR}),
        "editor_a": make_user(roles={a: Role.EDITOR}),
        "reviewer_a": make_user(roles={a: Role.REVIEWER}),
        "author": make_user(),
    }
    return a, b, people


PAGES = {
    # url: who may open it (others logged in get 403; visitors are sent to log in)
    "/manage/alpha/settings": {"admin", "manager_a"},
    "/manage/alpha/sections": {"admin", "manager_a"},
    "/manage/alpha/members": {"admin", "manager_a"},
    "/manage/alpha/history": {"admin", "manager_a"},
    "/manage/beta/settings": {"admin"},
    "/manage/beta/members": {"admin"},
    "/editorial/alpha/": {"manager_a", "editor_a"},
    "/editorial/beta/": set(),
    "/editorial/": {"manager_a", "editor_a"},
    "/review/": {"reviewer_a"},
    "/admin/": {"admin"},
    "/admin/users": {"admin"},
    "/admin/outbox": {"admin"},
    "/admin/journals/new": {"admin"},
    "/account/profile": {"admin", "manager_a", "editor_a", "reviewer_a", "author"},
    "/my/submissions": {"admin", "manager_a", "editor_a", "reviewer_a", "author"},
    "/submit": {"admin", "manager_a", "editor_a", "reviewer_a", "author"},
}


@pytest.mark.parametrize("who", ["admin", "manager_a", "editor_a", "reviewer_a", "author", None])
def test_page_access_matrix(app, client, login, two_journals, who):
    _a, _b, people = two_journals
    if who:
        login(people[who])
    for url, allowed in PAGES.items():
        response = client.get(url)
        if who is None:
            assert response.status_code == 302 and "/login?next=" in response.headers["Location"], url
        elif who in allowed:
            assert response.status_code in (200, 302), (url, who, response.status_code)
            if response.status_code == 302:
                assert "/login" not in response.headers["Location"], url
        else:
            assert response.status_code == 403, (url, who, response.status_code)


def test_a_managing_editor_of_one_journal_has_no_power_in_another(client, login, two_journals, outbox):
    a, b, people = two_journals
    login(people["manager_a"])
    response = client.post("/manage/beta/members", data={"email": people["author"].email, "role": "editor"})
    assert response.status_code == 403
    response = client.post("/manage/beta/settings", data={"title": "Hijacked", "reference_prefix": "HJ"})
    assert response.status_code == 403
    assert b.title == "Beta Journal"
    assert outbox() == []
    response = client.post("/manage/alpha/members", data={"email": people["author"].email, "role": "editor"})
    assert response.status_code == 302


def test_roles_do_not_leak_between_journals_in_can(app, two_journals):
    a, b, people = two_journals
    assert can(people["manager_a"], "journal.manage", a)
    assert not can(people["manager_a"], "journal.manage", b)
    assert can(people["editor_a"], "journal.editorial", a)
    assert not can(people["editor_a"], "journal.editorial", b)
    assert not can(people["editor_a"], "journal.manage", a)
    assert can(people["reviewer_a"], "journal.review", a)
    assert not can(people["reviewer_a"], "journal.review", b)
    assert can(people["admin"], "journal.manage", b)
    assert not can(people["admin"], "journal.editorial", b)  # administration is not editorial power


ROLE_ENTRIES = {"Submit", "My submissions", "My reviews", "Editorial", "Manage", "Admin"}


def menu(page: str) -> list[str]:
    """The role-dependent entries of the main navigation, in order."""
    nav = re.search(r'<nav[^>]*aria-label="Main"[^>]*>(.*?)</nav>', page, re.S).group(1)
    return [e.strip() for e in re.findall(r">([^<>]+)</a>", nav) if e.strip() in ROLE_ENTRIES]


@pytest.mark.parametrize(("who", "entries"), [
    ("author", ["Submit", "My submissions"]),
    ("reviewer_a", ["Submit", "My submissions", "My reviews"]),
    ("editor_a", ["Submit", "My submissions", "Editorial"]),
    ("manager_a", ["Submit", "My submissions", "Editorial", "Manage"]),
    ("admin", ["Submit", "My submissions", "Manage", "Admin"]),
])
def test_the_menu_shows_each_user_only_what_they_may_open(client, login, two_journals, who, entries):
    login(two_journals[2][who])
    assert menu(client.get("/").get_data(as_text=True)) == entries


def test_visitors_see_log_in_and_register_only(client):
    page = client.get("/").get_data(as_text=True)
    assert menu(page) == []
    assert ">Log in<" in page and ">Register<" in page


def test_a_deactivated_user_loses_every_power_at_once(app, client, login, two_journals):
    from journal.extensions import db

    _a, _b, people = two_journals
    login(people["manager_a"])
    assert client.get("/manage/alpha/settings").status_code == 200
    people["manager_a"].active = False
    db.session.commit()
    assert client.get("/manage/alpha/settings").status_code == 302  # sent to log in again


def test_a_submission_is_seen_by_its_authors_and_its_journals_editors_only(app, make_user, two_journals):
    from journal.extensions import db
    from journal.models import Contributor, Submission

    a, b, people = two_journals
    coauthor = make_user()
    submission = Submission(journal=a, submitter=people["author"], title="Radio occultation at Callisto")
    submission.contributors = [Contributor(given_name="C", family_name="Author", email=coauthor.email, user=coauthor)]
    db.session.add(submission)
    db.session.commit()
    editor_b = make_user(roles={b: Role.EDITOR})
    assert can(people["author"], "submission.view", submission)
    assert can(coauthor, "submission.view", submission)
    assert can(people["editor_a"], "submission.view", submission)
    assert can(people["manager_a"], "submission.view", submission)
    assert not can(editor_b, "submission.view", submission)
    assert not can(people["reviewer_a"], "submission.view", submission)
    assert not can(None, "submission.view", submission)
