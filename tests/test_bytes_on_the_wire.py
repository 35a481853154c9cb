"""Bytes on the wire: pages, feeds and the stylesheet in Brotli or gzip as the browser accepts, plain otherwise, each
coding with its own ETag and a 304 still answered; downloads left as they are; static files under fingerprinted
names kept a year; and what the heaviest pages weigh on a first and a next visit (tests/page_weight.py)."""

import gzip
import os
import re
import shutil
from datetime import timedelta

import pytest
from flask import url_for

from journal.models import Role, SubmissionStatus, utcnow
from journal.static_files import StaticDigests
from tests.page_weight import BROWSER, decoded, same_page, table, weigh
from tests.test_public_site import site  # noqa: F401  (fixture: a journal with published issues)
from tests.test_queue import _pending_recommendation, make_paper, office  # noqa: F401  (fixtures: a busy queue)

FIRST_VISIT_LIMIT = 40_000
NEXT_VISIT_LIMIT = 15_000
# Titles as varied as a real queue's, so that compression has no easy repetition to feed on.
WORDS = ("plasma", "regolith", "orbital", "cometary", "dust", "magnetospheric", "lander", "thermal", "spectral",
         "ionospheric", "asteroid", "solar", "wind", "crater", "radar", "ice", "probe", "trajectory", "Jovian",
         "Martian", "Europa", "Enceladus", "Titan", "Kuiper", "heliopause", "neutral", "sputtering", "albedo")
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
    assert same_page(decoded(response), plain.get_data())
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
    held = client.get("/j/jdse/", headers={"Accept-Encoding": "br"}).headers["ETag"]
    assert held.endswith(':br"')
    rendered = []
    monkeypatch.setattr("flask.templating._render", lambda *a, **k: rendered.append(a) or "")
    assert client.get("/j/jdse/", headers={"Accept-Encoding": "br", "If-None-Match": held}).status_code == 304
    assert rendered == []
    # Without the tag the page is rendered (the stand-in sees it): a language the page cache holds no copy of.
    client.get("/j/jdse/", headers={"Accept-Encoding": "br", "Accept-Language": "ru"})
    assert rendered
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


def _busy_queue(office, make_paper, make_user):  # noqa: F811
    """Fifty active papers on the queue's first page (more behind it), as test_queue builds them: two rounds,
    reviews submitted, late and invited, half with a handling editor whose recommendation waits."""
    journal, people = office
    editors = [make_user(given_name=f"Editor{n}", family_name="Lindqvist-Okonkwo", roles={journal: Role.EDITOR})
               for n in range(6)]
    late = {"due_at": utcnow() - timedelta(days=3)}
    for n in range(60):
        paper = make_paper(SubmissionStatus.UNDER_REVIEW, round=2, section=n % 2, days=n + 1,
                           editor=None if n % 2 == 0 else editors[n % 6],
                           title=" ".join(WORDS[(n * k * 7 + k * 3) % len(WORDS)] for k in range(1, 9 + n % 5))
                           .capitalize() + f" ({2020 + n % 7})",
                           reviews=[("submitted", {}), ("accepted", late), ("invited", {})],
                           earlier_reviews=[("submitted", {})])
        if paper.handling_editor is not None:
            _pending_recommendation(paper, paper.handling_editor)
    return people["manager"]


def _check(figures: list, record_property) -> None:
    record_property("page_weights", table(figures))
    for name, weight in figures:
        assert weight["first"] < FIRST_VISIT_LIMIT, (name, weight)
        assert weight["next"] < NEXT_VISIT_LIMIT, (name, weight)
        for link, (_size, cache) in weight["static"].items():
            if re.search(r"\.[0-9a-f]{12}\.", link):
                assert "immutable" in cache, link


def test_the_readers_pages_weigh_under_40_kb_on_a_first_visit_and_15_kb_on_the_next(  # noqa: F811
        client, site, record_property):
    _check([("reader: platform home /", weigh(client, "/")),
            ("reader: journal home /j/jdse/", weigh(client, "/j/jdse/")),
            ("reader: article page", weigh(client, f"/j/jdse/articles/{site['second'].id}"))], record_property)


def test_the_editors_queue_and_home_weigh_under_40_kb_on_a_first_visit_and_15_kb_on_the_next(  # noqa: F811
        client, login, office, make_paper, make_user, record_property):
    login(_busy_queue(office, make_paper, make_user))
    queue = weigh(client, "/editorial/jdse/")
    rows = client.get("/editorial/jdse/").get_data(as_text=True).split("<tbody>")[1].count("<tr>")
    assert rows == 50 and queue["raw"] > 38_000, (rows, queue["raw"])  # a full page, heavier than the 38 KB
    _check([("editor: queue /editorial/jdse/ (50 rows)", queue), ("editor: home /home", weigh(client, "/home"))],
           record_property)
