"""Reading a response as a browser that accepts Brotli and gzip does (tests/test_bytes_on_the_wire.py)."""

import gzip

import brotli

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def decoded(response) -> bytes:
    coding = response.headers.get("Content-Encoding")
    data = response.get_data()
    if coding == "br":
        return brotli.decompress(data)
    if coding == "gzip":
        return gzip.decompress(data)
    assert coding is None, coding
    return data
