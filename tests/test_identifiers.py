import pytest

from journal.scholarly.identifiers import normalize_doi_prefix, normalize_issn, normalize_orcid, parse_keywords


@pytest.mark.parametrize(("typed", "stored"), [
    ("0000-0002-1825-0097", "0000-0002-1825-0097"),
    ("https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
    ("orcid.org/0000000218250097", "0000-0002-1825-0097"),
    (" 0000-0002-1694-233x ", "0000-0002-1694-233X"),
    ("", None),
])
def test_orcid_ids_are_normalised(typed, stored):
    assert normalize_orcid(typed) == stored


@pytest.mark.parametrize(("typed", "reason"), [
    ("0000-0002-1825-0098", "check digit"),
    ("0000-0002-1825", "16 characters"),
    ("abcd-0002-1825-0097", "16 characters"),
])
def test_bad_orcid_ids_say_why(typed, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_orcid(typed)


def test_issn_and_doi_prefix():
    assert normalize_issn("20493630") == "2049-3630"
    with pytest.raises(ValueError):
        normalize_issn("2049-3631")
    assert normalize_doi_prefix("10.59999") == "10.59999"
    with pytest.raises(ValueError):
        normalize_doi_prefix("10.1/x")


def test_keywords_are_split_trimmed_and_deduplicated():
    assert parse_keywords("Solar wind;  plasma ,solar WIND\nMars") == ["Solar wind", "plasma", "Mars"]
    with pytest.raises(ValueError, match="at most 20"):
        parse_keywords(",".join(f"k{i}" for i in range(21)))
