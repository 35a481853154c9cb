"""Bytes on the wire: pages, feeds and the stylesheet in Brotli or gzip as the browser accepts, plain otherwise, each
coding with its own ETag and a 304 still answered; downloads left as they are; static files under fingerprinted
names kept a year."""

import gzip
import os
import re
import shutil

import pytest
from flask import url_for

from journal.static_files import StaticDigests
from tests.page_weight import BROWSER, decoded
from tests.test_public_site import site  # noqa: F401  (fixture: a journal with published issues)

STYLESHEET = re.compile(r'href="(/static/css/site\.([0-9a-f]{12})\.css)"')


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


def test_static_files_have_fingerprinted_names_and_are_kept_a_year(client, site):  # noqa: F811
    page = client.get("/j/jdse/").get_data(as_text=True)
    href, digest = STYLESHEET.search(page).groups()
    assert re.search(r'href="/static/img/favicon\.[0-9a-f]{12}\.svg"', page)
    assert re.search(r'src="/static/img/logo\.[0-9a-f]{12}\.svg"', page)
    stylesheet = client.get(href, headers=BROWSER)
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
    assert stylesheet.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert stylesheet.headers["Content-Encoding"] == "br" and "Accept-Encoding" in stylesheet.headers["Vary"]
    with open(os.path.join(client.application.static_folder, "css", "site.css"), "rb") as file:
        assert decoded(stylesheet) == file.read()
    assert gzip.decompress(client.get(href, headers={"Accept-Encoding": "gzip"}).get_data()) == decoded(stylesheet)
    again = client.get(href, headers={**BROWSER, "If-None-Match": stylesheet.headers["ETag"]})
    assert again.status_code == 304
    part = client.get(href, headers={**BROWSER, "Range": "bytes=0-99"})  # a range is of the file itself
    assert part.status_code == 206 and "Content-Encoding" not in part.headers and len(part.get_data()) == 100
    # The plain name, as pages of an earlier release and the stylesheet's own url(...) ask: short cache.
    for name in ("/static/css/site.css", "/static/img/select-arrow.svg", "/static/css/site.0123456789ab.css"):
        plain = client.get(name)
        assert plain.status_code == 200, name
        assert "immutable" not in plain.headers["Cache-Control"] and "max-age=300" in plain.headers["Cache-Control"]
    for missing in ("/static/css/nothing.css", "/static/css/nothing.0123456789ab.css", "/static/../config.py"):
        assert client.get(missing).status_code == 404, missing


def test_a_changed_file_gets_a_new_name(app, client, tmp_path):
    folder = tmp_path / "static"
    shutil.copytree(app.static_folder, folder)
    app.static_folder = str(folder)
    app.extensions["journal.static_digests"] = StaticDigests(str(folder))
    with app.test_request_context():
        before = url_for("static", filename="css/site.css")
    stylesheet = folder / "css" / "site.css"
    stylesheet.write_text(stylesheet.read_text() + "\n.new-rule { color: #000; }\n")
    with app.test_request_context():
        after = url_for("static", filename="css/site.css")
    assert before != after and re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", after)
    fresh = client.get(after)
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b".new-rule" in fresh.get_data()
    stale = client.get(before)  # a page of the earlier release: the current file, not kept
    assert b".new-rule" in stale.get_data() and "immutable" not in stale.headers["Cache-Control"]
