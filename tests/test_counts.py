"""Counting readers is not a change: views and downloads leave the article's last-modified time alone (feeds,
OAI-PMH datestamps and caches read it), and reach the figures only through the usage buffer's flush."""

from datetime import timedelta

from journal.extensions import db
from journal.models import Article, utcnow
from journal.services import usage
from tests.conftest import buffered_usage
from tests.test_public_site import site  # noqa: F401  (the fixture)


def test_views_and_downloads_do_not_touch_the_articles_modification_time(client, site):
    article = site["main"]
    before = article.updated_at
    assert client.get(f"/j/jdse/articles/{article.id}").status_code == 200
    assert client.get(f"/j/jdse/articles/{article.id}/pdf").status_code in (200, 302)
    assert buffered_usage(article.id) == [(article.id, "view"), (article.id, "download")]
    usage.flush(utcnow() + timedelta(hours=2))
    assert buffered_usage(article.id) == []
    assert usage.totals([article.id])[article.id] == usage.Totals(investigations=2, requests=1)
    db.session.expire_all()
    assert db.session.get(Article, article.id).updated_at == before
