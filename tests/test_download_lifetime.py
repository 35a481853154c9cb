"""DOWNLOAD_URL_SECONDS sets the lifetime of every signed download link, on both backends and on every route."""

import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from journal.storage.local import LocalStorage
from tests.conftest import make_config
from tests.every_download import open_as, published_paper_with_every_file

LIFETIME = 77


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(database_url, tmp_path / "storage", DOWNLOAD_URL_SECONDS=LIFETIME)


def lifetime_of(storage, location: str) -> int:
    """The seconds a signed link is good for: X-Amz-Expires of an S3 presigned URL, the local token's own."""
    if isinstance(storage, LocalStorage):
        return storage.read_token(location.rsplit("/", 1)[1])["e"]
    return int(parse_qs(urlsplit(location).query)["X-Amz-Expires"][0])


def opens(client, storage, location: str) -> bool:
    """The link works now: the local route through the app, S3's presigned URL over real HTTP."""
    if isinstance(storage, LocalStorage):
        return client.get(location).status_code == 200
    with urllib.request.urlopen(location, timeout=10) as response:
        return response.status == 200


def test_every_download_link_lives_as_long_as_the_setting_says(client, login, make_journal, make_user, app_storage):
    _submission, _article, people, downloads = published_paper_with_every_file(make_journal, make_user)

    lifetimes = {}
    for download in downloads:
        response = open_as(client, login, people, download)
        assert response.status_code == 302, (download.route, response.status_code)
        lifetimes[download.route] = lifetime_of(app_storage, response.headers["Location"])
        assert opens(client, app_storage, response.headers["Location"]), download.route

    assert lifetimes == {download.route: LIFETIME for download in downloads}


def test_no_link_is_signed_but_through_the_one_helper():
    """journal.storage.signed_download() is the only caller of the backends' download_url()."""
    root = Path(__file__).resolve().parent.parent / "journal"
    callers = [str(path.relative_to(root)) for path in root.rglob("*.py")
               if "download_url(" in path.read_text().replace("def download_url(", "")]
    assert callers == ["storage/__init__.py"]


def test_a_lost_object_is_a_missing_page_not_a_broken_link(client, login, make_journal, make_user, app_storage):
    _submission, article, people, downloads = published_paper_with_every_file(make_journal, make_user)
    app_storage.delete(article.current_version.galley.storage_key)
    [public] = [d for d in downloads if d.route == "public.article_pdf"]

    response = open_as(client, login, people, public)

    assert response.status_code == 404
    assert "The file is missing from storage" in response.get_data(as_text=True)
