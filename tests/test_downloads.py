"""Download links on both backends: S3 presigned URLs fetched over HTTP, local signed /files/<token> routes.

What a reader's browser gets: the bytes, the neutral name chosen by the journal, and headers that
keep an uploaded file from running as a page of the site.
"""

import io
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from itsdangerous import TimestampSigner

from journal.storage import content_disposition

PDF = b"%PDF-1.7\n" + b"galley bytes " * 1000
NEUTRAL_NAME = "JDSE-2026-0042-v1.pdf"
SANDBOX = "default-src 'none'; sandbox"


@dataclass
class Fetched:
    status: int
    headers: dict
    body: bytes


@pytest.fixture
def fetch(client):
    """Open a download URL as a browser would: S3 URLs over real HTTP, local links through the app."""

    def get(url: str) -> Fetched:
        if url.startswith("/") or url.startswith("http://journal.test/"):
            response = client.get(url)
            return Fetched(response.status_code, dict(response.headers), response.get_data())
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return Fetched(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Fetched(error.code, dict(error.headers), error.read())

    return get


def disposition_parameters(header: str) -> dict[str, str]:
    return dict(re.findall(r';\s*([\w*]+)=("(?:[^"\\]|\\.)*"|[^;]*)', header))


def filename_a_browser_saves(header: str) -> str:
    """The name an RFC 6266 user agent takes from Content-Disposition: filename* first, then filename."""
    parameters = disposition_parameters(header)
    if "filename*" in parameters:
        charset, _language, value = parameters["filename*"].split("'", 2)
        assert charset == "UTF-8"
        return unquote(value, encoding="utf-8", errors="strict")
    return parameters["filename"].strip('"')


def test_download_serves_the_bytes_under_the_neutral_name(app, app_storage, fetch):
    app_storage.put("galleys/1/pdf", io.BytesIO(PDF), media_type="application/pdf")
    with app.test_request_context():
        url = app_storage.download_url("galleys/1/pdf", filename=NEUTRAL_NAME, media_type="application/pdf")

    response = fetch(url)

    assert response.status == 200
    assert response.body == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{NEUTRAL_NAME}"'


def test_inline_download_is_offered_for_display(app, app_storage, fetch):
    app_storage.put("galleys/1/inline", io.BytesIO(PDF))
    with app.test_request_context():
        url = app_storage.download_url("galleys/1/inline", filename=NEUTRAL_NAME, media_type="application/pdf",
                                       inline=True)

    response = fetch(url)

    assert response.body == PDF
    assert response.headers["Content-Disposition"] == f'inline; filename="{NEUTRAL_NAME}"'


HOSTILE_NAMES = [
    '"><img src=x onerror=alert(1)>.pdf',
    "Über die Sterne – Entwurf.pdf",
    "天体物理学.pdf",
    "report\r\nSet-Cookie: session=stolen.pdf",
    'back\\slash"; filename="evil.exe',
    "100%2F..%2Fpasswd.pdf",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_any_file_name_yields_a_safe_content_disposition(app, app_storage, fetch, name):
    app_storage.put("submissions/1/upload", io.BytesIO(b"data"))
    with app.test_request_context():
        url = app_storage.download_url("submissions/1/upload", filename=name, media_type="application/pdf")

    response = fetch(url)

    header = response.headers["Content-Disposition"]
    assert response.status == 200 and response.body == b"data"
    assert header == content_disposition(name)
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert "Set-Cookie" not in response.headers
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert header.startswith(f'attachment; filename="{fallback}"; filename*=UTF-8\'\'')  # the quotes hold
    assert set(disposition_parameters(header)) == {"filename", "filename*"}  # nothing injected
    assert not set(fallback) & set('"\\%/;')
    assert filename_a_browser_saves(header) == name  # the exact name survives in filename*


def test_content_disposition_keeps_a_plain_name_as_it_is():
    assert content_disposition(NEUTRAL_NAME) == f'attachment; filename="{NEUTRAL_NAME}"'
    assert content_disposition("") == 'attachment; filename="download"'


# -- the local signed route -----------------------------------------------------------------------


@pytest.fixture
def local_file(app):
    storage = app.extensions["journal.storage"]
    storage.put("galleys/2/pdf", io.BytesIO(PDF))
    return storage


def local_url(app, storage, key="galleys/2/pdf", **options) -> str:
    with app.test_request_context():
        return storage.download_url(key, filename=options.pop("filename", NEUTRAL_NAME),
                                    media_type=options.pop("media_type", "application/pdf"), **options)


def test_local_download_is_sandboxed_and_never_sniffed(app, client, local_file):
    response = client.get(local_url(app, local_file, media_type="text/html"))

    assert response.status_code == 200
    assert response.get_data() == PDF
    assert response.headers["Content-Length"] == str(len(PDF))
    assert response.headers["Content-Type"].startswith("text/html")
    # journal/security_headers.py sets the site's policy on every response; the download's own policy must survive it.
    assert response.headers["Content-Security-Policy"] == SANDBOX
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{NEUTRAL_NAME}"'
    assert "no-store" in response.headers["Cache-Control"]


def test_pages_keep_the_site_policy_beside_the_download_route(client):
    policy = client.get("/").headers["Content-Security-Policy"]

    assert "default-src 'self'" in policy and "sandbox" not in policy


def test_an_expired_local_link_says_so_with_410(app, client, local_file, monkeypatch):
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now - 3600)  # issued an hour ago
    url = local_url(app, local_file, expires_in=300)
    monkeypatch.undo()

    response = client.get(url)

    assert response.status_code == 410
    assert "This download link has expired" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")  # a styled page


def test_a_link_still_within_its_lifetime_works(app, client, local_file, monkeypatch):
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now - 200)
    url = local_url(app, local_file, expires_in=300)
    monkeypatch.undo()

    assert client.get(url).status_code == 200


def test_a_tampered_local_link_is_not_found(app, client, local_file):
    url = local_url(app, local_file)
    token = url.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest

    assert client.get(f"/files/{forged}").status_code == 404
    assert client.get("/files/not-a-token").status_code == 404


def test_a_link_signed_with_another_key_is_not_found(app, client, local_file, tmp_path):
    from journal.storage.local import LocalStorage

    other = LocalStorage(tmp_path / "other", "another-secret")
    with app.test_request_context():
        url = other.download_url("galleys/2/pdf", filename=NEUTRAL_NAME, media_type="application/pdf")

    assert client.get(url).status_code == 404


def test_a_link_to_a_deleted_object_is_not_found(app, client, local_file):
    url = local_url(app, local_file)
    local_file.delete("galleys/2/pdf")

    response = client.get(url)

    assert response.status_code == 404
    assert "missing from storage" in response.get_data(as_text=True)


def test_a_local_link_made_outside_a_request_points_at_the_site(app, client, local_file):
    url = local_file.download_url("galleys/2/pdf", filename=NEUTRAL_NAME, media_type="application/pdf")

    assert url.startswith("http://journal.test/files/")
    assert client.get(url).get_data() == PDF


def test_the_download_route_refuses_when_storage_is_s3(app, client, local_file, seaweedfs):
    url = local_url(app, local_file)
    app.extensions["journal.storage"] = seaweedfs.storage()

    assert client.get(url).status_code == 404
