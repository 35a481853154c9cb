"""Citing a published article: BibTeX read back by a BibTeX library, RIS field by field, the "how to cite" text,
with TeX specials escaped and names outside ASCII kept as they are."""

import bibtexparser
import pytest
from bibtexparser import middlewares as m

from journal.scholarly.citations import _apa_authors, tex_escape
from journal.scholarly.records import Person
from tests.test_public_site import BASE, TITLE, site  # noqa: F401  (fixture)


def test_bibtex_download_is_parsed_by_a_bibtex_library(client, site):
    article = site["main"]
    response = client.get(f"/j/jdse/articles/{article.id}/cite.bib")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.mimetype == "application/x-bibtex" and response.mimetype_params["charset"] == "utf-8"
    base = article.doi.split("/", 1)[1]
    assert response.headers["Content-Disposition"] == f'attachment; filename="{base}.bib"'
    text = response.get_data(as_text=True)
    library = bibtexparser.parse_string(text, append_middleware=[m.SeparateCoAuthors(), m.SplitNameParts()])
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "article" and entry.key == "chen2026heat"
    fields = {f.key: f.value for f in entry.fields}
    assert [(a.first, a.last) for a in fields["author"]] == [(["Mei"], ["Chen"]), (["José"], ["Núñez"])]
    # TeX specials escaped, the formula kept as a formula.
    assert fields["title"] == r"Heat flow \& 5\% of $q = -k\nabla T$ at site \#3\_b"
    assert fields["journal"] == "Journal of Deep Space Exploration"
    assert (fields["year"], fields["volume"], fields["number"], fields["pages"]) == ("2026", "3", "2", "3--9")
    assert fields["doi"] == article.doi
    assert fields["url"] == f"{BASE}/j/jdse/articles/{article.id}"
    assert fields["issn"] == "2940-1234" and fields["publisher"] == "IDSEA Press"
    assert fields["keywords"] == "moon, regolith"
    assert fields["month"] == article.published_at.strftime("%b").lower()


def test_ris_download_field_by_field(client, site):
    article = site["main"]
    response = client.get(f"/j/jdse/articles/{article.id}/cite.ris")
    assert response.mimetype == "application/x-research-info-systems"
    assert response.headers["Content-Disposition"].endswith('.ris"')
    raw = response.get_data(as_text=True)
    assert raw.endswith("ER  - \r\n") and "\n" not in raw.replace("\r\n", "")
    lines = [(line[:2], line[6:]) for line in raw.split("\r\n") if line]
    assert all(line[2:6] == "  - " for line in raw.split("\r\n") if line)
    assert lines[0] == ("TY", "JOUR") and lines[-1] == ("ER", "")
    values = {}
    for tag, value in lines:
        values.setdefault(tag, []).append(value)
    assert values["AU"] == ["Chen, Mei", "Núñez, José"]
    assert values["TI"] == [TITLE]
    assert values["T2"] == ["Journal of Deep Space Exploration"] and values["J2"] == ["J. Deep Space Explor."]
    assert values["PY"] == ["2026"] and values["DA"] == [article.published_at.strftime("%Y/%m/%d")]
    assert (values["VL"], values["IS"], values["SP"], values["EP"]) == (["3"], ["2"], ["3"], ["9"])
    assert values["SN"] == ["2940-1234", "2940-1226"] and values["PB"] == ["IDSEA Press"]
    assert values["DO"] == [article.doi]
    assert values["UR"] == [f"{BASE}/j/jdse/articles/{article.id}"]
    assert values["L1"] == [f"{BASE}/j/jdse/articles/{article.id}/pdf"]
    assert values["KW"] == ["moon", "regolith"]
    assert values["AB"][0].startswith("Heat flow through the lunar regolith") and "\\nabla" in values["AB"][0]


@pytest.mark.parametrize("text, escaped", [
    ("A & B", r"A \& B"),
    ("100% of #1_x", r"100\% of \#1\_x"),
    ("{braces} ~ ^", r"\{braces\} \textasciitilde{} \textasciicircum{}"),
    ("back\\slash", r"back\textbackslash{}slash"),
    ("Energy $E = mc^2$ costs $5", r"Energy $E = mc^2$ costs \$5"),
    ("unbalanced $\\frac{a$ stays text", r"unbalanced \$\textbackslash{}frac\{a\$ stays text"),
    ("Ångström, Łódź, 東北", "Ångström, Łódź, 東北"),
])
def test_tex_specials_are_escaped_and_unicode_kept(text, escaped):
    assert tex_escape(text) == escaped


def person(given, family):
    return Person(given_name=given, family_name=family, orcid="", affiliation="", country="", corresponding=False,
                  email="")


def test_apa_author_lists():
    assert _apa_authors([person("Mei", "Chen")]) == "Chen, M."
    assert _apa_authors([person("Mei-Ling Anna", "Chen"), person("Kenji", "Watanabe")]) == \
        "Chen, M.-L. A., & Watanabe, K."
    many = [person("A", f"Author{n}") for n in range(1, 23)]
    text = _apa_authors(many)
    assert text.startswith("Author1, A., Author2, A.") and "Author19, A., … Author22, A." in text
    assert "Author20" not in text
