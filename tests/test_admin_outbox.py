"""The administrator's Outbox pages, with no mail server configured (the development default)."""

import logging

import pytest

from journal.extensions import db
from journal.mail import queue_mail
from journal.models import OutboxMessage, OutboxStatus, utcnow
from journal.services import accounts
from journal.services.admin import outbox_page
from tests.conftest import PASSWORD


def register(email="grace.hopper@example.org"):
    return accounts.register_user(email=email, password=PASSWORD, given_name="Grace", family_name="Hopper")


def test_without_mail_url_mails_are_logged_and_kept_in_the_outbox(app, outbox, runner, caplog):
    assert not app.config["MAIL_URL"]
    caplog.set_level(logging.INFO, logger="journal.mail")
    register()

    [message] = outbox()
    assert message.status is OutboxStatus.QUEUED
    [record] = [r for r in caplog.records if r.name == "journal.mail"]
    logged = record.getMessage()
    assert "To: grace.hopper@example.org" in logged
    assert "Subject: Confirm your email address" in logged
    assert "http://journal.test/verify/" in logged

    result = runner.invoke(args=["journal", "send-mail", "--once"])
    assert result.exit_code != 0
    assert "MAIL_URL is not set" in result.output
    assert outbox()[0].status is OutboxStatus.QUEUED


def test_admin_reads_the_outbox_and_a_message(app, client, login, make_user, outbox):
    register()
    [message] = outbox()
    login(make_user(admin=True))

    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "No mail server is configured" in page
    assert "grace.hopper@example.org" in page and "Confirm your email address" in page
    assert f"/admin/outbox/{message.id}" in page

    response = client.get(f"/admin/outbox/{message.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Confirm your email address" in page and "http://journal.test/verify/" in page
    assert "verify_email" in page
    assert "Queue again" not in page  # only for messages the worker gave up on


def test_outbox_filters_by_status(app, client, login, make_user):
    for subject, status in [("Still waiting", OutboxStatus.QUEUED), ("Went out", OutboxStatus.SENT),
                            ("Gave up", OutboxStatus.FAILED)]:
        queue_mail("reader@example.org", "password_changed", subject=subject).status = status
    db.session.commit()
    login(make_user(admin=True))

    def subjects(query=""):
        page = client.get(f"/admin/outbox{query}").get_data(as_text=True)
        return [s for s in ("Still waiting", "Went out", "Gave up") if s in page]

    assert subjects() == ["Still waiting", "Went out", "Gave up"]
    assert subjects("?status=queued") == ["Still waiting"]
    assert subjects("?status=sent") == ["Went out"]
    assert subjects("?status=failed") == ["Gave up"]
    assert client.get("/admin/outbox?status=lost").status_code == 404
    assert client.get("/admin/outbox/999999").status_code == 404


def test_outbox_pages_newest_first(app):
    ids = [queue_mail(f"r{i}@example.org", "password_changed", subject=f"Note {i}") for i in range(5)]
    db.session.commit()
    ids = [m.id for m in ids]

    first, before = outbox_page(per_page=2)
    assert [m.id for m in first] == ids[:-3:-1] and before == ids[3]
    second, before = outbox_page(per_page=2, before_id=before)
    assert [m.id for m in second] == [ids[2], ids[1]] and before == ids[1]
    third, before = outbox_page(per_page=2, before_id=before)
    assert [m.id for m in third] == [ids[0]] and before is None


def test_only_failed_messages_can_be_queued_again(app, client, login, make_user, outbox):
    queue_mail("reader@example.org", "password_changed", subject="Waiting")
    db.session.commit()
    [message] = outbox()
    login(make_user(admin=True))

    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "still queued" in response.get_data(as_text=True)

    message.status, message.attempts, message.next_attempt_at = OutboxStatus.FAILED, 8, utcnow()
    db.session.commit()
    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "queued again" in response.get_data(as_text=True)
    [message] = outbox()
    assert message.status is OutboxStatus.QUEUED and message.attempts == 8


@pytest.mark.parametrize("method, path", [("get", "/admin/outbox"), ("get", "/admin/outbox/{id}"),
                                          ("post", "/admin/outbox/{id}/retry")])
def test_outbox_is_for_platform_administrators_only(app, client, login, make_user, method, path):
    message = queue_mail("reader@example.org", "password_changed", subject="Private")
    message.status = OutboxStatus.FAILED
    db.session.commit()
    url = path.format(id=message.id)

    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    login(make_user(admin=False))
    response = getattr(client, method)(url)
    assert response.status_code == 403
    assert "Private" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status is OutboxStatus.FAILED
