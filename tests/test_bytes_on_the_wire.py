"""Bytes on the wire: pages and feeds in Brotli or gzip as the browser accepts, plain otherwise, each coding with its
own ETag and a 304 still answered; downloads left as they are."""

import pytest

from tests.page_weight import BROWSER, decoded
from tests.test_public_site import site  # noqa: F401  (fixture: a journal with published issues)


@pytest.mark.parametrize("accept, coding", [
    ("gzip, deflate, br, zstd", "br"),  # what browsers send
    ("gzip", "gzip"),
    ("br;q=0.5, gzip", "gzip"),
    ("", None),
    ("identity", None),
])
def test_pages_come_in_brotli_or_gzip_when_accepted_and_plain_otherwise(client, site, accept, coding):  # noqa: F811
    plain = client.get("/j/jdse/")
    response = client.get("/j/jdse/", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == coding
    assert decoded(response) == plain.get_data()
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert {"Accept-Encoding", "Accept-Language", "Cookie"} <= vary  # caches keep one copy per coding and language
    if coding:
        assert len(response.get_data()) < len(plain.get_data()) / 3
        assert response.headers["ETag"] == plain.headers["ETag"][:-1] + f':{coding}"'  # each coding its own tag
    else:
        assert response.headers["ETag"] == plain.headers["ETag"]


def test_a_compressed_page_still_gets_its_304_before_it_is_rendered(client, site, app, monkeypatch):  # noqa: F811
    article = site["second"]
    for url in ("/j/jdse/", f"/j/jdse/articles/{article.id}", "/j/jdse/feed.atom", "/"):
        tags = set()
        for accept in ("br", "gzip", ""):
            first = client.get(url, headers={"Accept-Encoding": accept})
            tag = first.headers["ETag"]
            tags.add(tag)
            again = client.get(url, headers={"Accept-Encoding": accept, "If-None-Match": tag})
            assert again.status_code == 304 and again.data == b"", (url, accept)
            assert again.headers["ETag"] == tag and "Accept-Encoding" in again.headers["Vary"]
            weak = client.get(url, headers={"Accept-Encoding": accept, "If-None-Match": f"W/{tag}"})
            assert weak.status_code == 304, (url, accept)
        assert len(tags) == 3, url
    # Answered from the ETag alone: no template is rendered for a 304.
    rendered = []
    monkeypatch.setattr("flask.templating._render", lambda *a, **k: rendered.append(a) or "")
    held = client.get("/j/jdse/", headers={"Accept-Encoding": "br"}).headers["ETag"]
    rendered.clear()
    assert client.get("/j/jdse/", headers={"Accept-Encoding": "br", "If-None-Match": held}).status_code == 304
    assert rendered == []
    # Another tag, or the same page's tag with another suffix than a coding, is not a match.
    assert client.get("/j/jdse/", headers={"If-None-Match": held[:-1] + 'x"'}).status_code == 200


def test_a_pdf_download_is_sent_as_it_is(client, site):  # noqa: F811
    article = site["second"]
    link = client.get(f"/j/jdse/articles/{article.id}/pdf", headers=BROWSER)
    assert link.status_code == 302
    pdf = client.get(link.headers["Location"], headers=BROWSER)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Content-Encoding" not in pdf.headers
    assert pdf.get_data().startswith(b"%PDF-")
