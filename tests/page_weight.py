"""What a page costs on the wire, as a browser that accepts Brotli fetches it (tests/test_bytes_on_the_wire.py).

- raw, gzip, br: the page's HTML as the server sends it plain, in gzip and in Brotli;
- first visit: the HTML in Brotli plus every same-origin static file it links (stylesheet, icons, the images the
  stylesheet names), each in the coding the server sends to that browser;
- uncompressed first visit: the same, every body plain (what every visit cost before compression and
  fingerprinting: the stylesheet was asked again on each page);
- next visit: the HTML in Brotli only: the static files come under fingerprinted names, kept a year without asking.
  A static file under a plain name (an image the stylesheet names) is counted as a 304, which carries no body.
Bodies only: headers are left out on both sides.
"""

import gzip
import re
from posixpath import dirname, normpath

import brotli

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
LINKED = re.compile(r'<(?:link|img|script)\b[^>]*?\b(?:href|src)="(/static/[^"]+)"')
CSS_URL = re.compile(r'url\(\s*["\']?([^"\')]+)["\']?\s*\)')
# A form's CSRF token is signed with the time in seconds: two requests a second apart differ there and nowhere else.
CSRF = re.compile(rb'(name="csrf_token"[^>]*?value=")[^"]+"')


def same_page(a: bytes, b: bytes) -> bool:
    return CSRF.sub(rb'\1"', a) == CSRF.sub(rb'\1"', b)


def decoded(response) -> bytes:
    coding = response.headers.get("Content-Encoding")
    data = response.get_data()
    if coding == "br":
        return brotli.decompress(data)
    if coding == "gzip":
        return gzip.decompress(data)
    assert coding is None, coding
    return data


def _static_of(client, url: str, seen: dict) -> None:
    if url in seen:
        return
    response = client.get(url, headers=BROWSER)
    assert response.status_code == 200, (url, response.status_code)
    seen[url] = response
    if response.mimetype == "text/css":
        for reference in CSS_URL.findall(decoded(response).decode()):
            if not reference.startswith(("data:", "http:", "https:", "//")):
                _static_of(client, normpath(f"{dirname(url)}/{reference}"), seen)


def weigh(client, url: str) -> dict:
    """The figures of one page (bytes): raw, gzip, br, first, next, and the static files fetched."""
    client.get(url)  # the messages flashed by the step before (login) shown once, not weighed
    plain = client.get(url)
    assert plain.status_code == 200, (url, plain.status_code)
    raw = plain.get_data()
    page = client.get(url, headers=BROWSER)
    assert page.headers.get("Content-Encoding") == "br", page.headers
    assert same_page(decoded(page), raw)
    statics: dict = {}
    for link in dict.fromkeys(LINKED.findall(raw.decode())):
        _static_of(client, link, statics)
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers.get("Content-Encoding") == "gzip", gzipped.headers
    html = len(page.get_data())
    return {"raw": len(raw), "gzip": len(gzipped.get_data()), "br": html,
            "plain_first": len(raw) + sum(len(decoded(r)) for r in statics.values()),
            "first": html + sum(len(r.get_data()) for r in statics.values()), "next": html,
            "static": {link: (len(r.get_data()), r.headers["Cache-Control"]) for link, r in statics.items()}}


def table(rows: list[tuple[str, dict]]) -> list[str]:
    kb = lambda n: f"{n / 1000:.1f} KB"  # noqa: E731
    lines = ["| page | HTML raw | gzip | br | first visit, uncompressed | first visit | next visit |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {name} | {kb(w['raw'])} | {kb(w['gzip'])} | {kb(w['br'])} | {kb(w['plain_first'])} | "
              f"{kb(w['first'])} | {kb(w['next'])} |" for name, w in rows]
    return lines
