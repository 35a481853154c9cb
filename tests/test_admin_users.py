"""Platform administrators manage accounts; times are shown in the reader's zone."""

from journal.extensions import db
from tests.conftest import PASSWORD, link_in


def test_admin_deactivates_an_account_which_is_logged_out_everywhere(app, client, login, make_user):
    admin, target = make_user(admin=True), make_user("target@example.org", given_name="Tara")
    target_device = app.test_client()
    target_device.post("/login", data={"email": target.email, "password": PASSWORD})
    login(admin)
    page = client.get("/admin/users?q=target").get_data(as_text=True)
    assert "target@example.org" in page and admin.email not in page
    client.post(f"/admin/users/{target.id}/active/off")
    db.session.expire_all()
    assert not target.active
    assert target_device.get("/account/profile").status_code == 302
    page = target_device.post("/login", data={"email": target.email, "password": PASSWORD}).get_data(as_text=True)
    assert "deactivated" in page


def test_admin_cannot_lock_themselves_out(client, login, make_user):
    admin = make_user(admin=True)
    login(admin)
    page = client.post(f"/admin/users/{admin.id}/is_platform_admin/off", follow_redirects=True).get_data(as_text=True)
    assert "You cannot deactivate yourself or remove your own administrator rights" in page
    db.session.expire_all()
    assert admin.is_platform_admin


def test_links_in_mails_ignore_a_forged_host_header(client, make_user, outbox):
    user = make_user()
    client.post("/password/forgot", data={"email": user.email}, headers={"Host": "evil.example"})
    body = outbox(user.email)[0].body_text
    assert "evil.example" not in body
    assert link_in(body).startswith("/password/reset/")


def test_times_are_shown_in_the_readers_zone_with_the_zone_named(client, login, make_user):
    user = make_user(timezone="Asia/Shanghai")
    login(user)
    page = client.get("/account/activity").get_data(as_text=True)
    assert "CST" in page and "Logged in" in page
