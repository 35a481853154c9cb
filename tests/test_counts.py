"""Counting readers is not a change: views and downloads leave the article's last-modified time alone (feeds,
OAI-PMH datestamps and caches read it)."""

from journal.extensions import db
from journal.models import Article
from tests.test_public_site import site  # noqa: F401  (the fixture)


def test_views_and_downloads_do_not_touch_the_articles_modification_time(client, site):
    article = site["main"]
    before = (article.updated_at, article.view_count, article.download_count)
    assert client.get(f"/j/jdse/articles/{article.id}").status_code == 200
    assert client.get(f"/j/jdse/articles/{article.id}/pdf").status_code in (200, 302)
    db.session.expire_all()
    again = db.session.get(Article, article.id)
    assert (again.view_count, again.download_count) == (before[1] + 1, before[2] + 1)
    assert again.updated_at == before[0]
