"""The HTML full text of an article (issue 17): made in production from a LaTeX source (LaTeXML in the sandbox) or a
JATS XML on the job queue, sanitised, previewed, shown to readers on the article page with a table of contents,
figures, tables, MathML and linked DOIs, and written into the JATS `<body>`."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import html as lxml_html

from journal.extensions import db
from journal.jobs import jobs
from journal.latex import sandbox
from journal.latex.html import jats_html, sanitise
from journal.models import ArticleStatus, FullText, FullTextSource, FullTextStatus
from journal.services import full_texts
from journal.services import issues as issue_service
from journal.services import production
from journal.services import proofs as proof_service
from journal.services.errors import DomainError
from tests.published import make_article, make_issue
from tests.schemas import assert_valid, jats_dtd, jats_xsd
from tests.test_production import accepted, accepted_paper, galley_pdf, office, page  # noqa: F401

DATA = Path(__file__).parent / "data" / "full_text"
JATS_XML = (DATA / "article.xml").read_bytes()
PAPER_TEX = (DATA / "paper.tex").read_bytes()
FIGURE_PNG = (DATA / "coma.png").read_bytes()


def needs_latexml():
    absent = sandbox.missing(("bwrap", "prlimit", "setpriv", "latexmlc"))
    if absent:
        pytest.skip(f"!!! {', '.join(absent)} missing: the LaTeXML full text is NOT tested. Install Debian's "
                    f"latexml and bubblewrap (make latex-deps). !!!")


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def finished(run_id: int) -> FullText:
    jobs().wait()
    db.session.expire_all()
    return db.session.get(FullText, run_id)


# --- the sanitiser ------------------------------------------------------------------------------------------------

HOSTILE = """<section id="s"><h2 onclick="steal()">Title</h2><script>alert(1)</script>
<img src="https://evil.example/x.png" onerror="alert(2)"><img src="fig/known.png" onerror="alert(3)">
<a href="javascript:alert(4)">j</a><a href=" JaVaScRiPt:alert(5)">k</a><a href="data:text/html,x">d</a>
<style>body{display:none}</style><p style="position:fixed;top:0">styled</p><iframe src="https://evil.example"></iframe>
<svg><script>alert(6)</script><circle onload="alert(7)"/></svg><object data="x.swf"></object>
<math><mi>x</mi><annotation-xml encoding="text/html"><img src=x onerror=alert(8)></annotation-xml></math>
<form action="/logout" method="post"><button>Go</button></form><base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=https://evil.example"><link rel="stylesheet" href="https://evil.example/a.css">
<a href="https://example.org/ok">fine</a> <a href="#S1">inside</a></section>"""


def test_hostile_html_comes_out_harmless():
    clean = sanitise(HOSTILE, {"known.png"})
    lowered = clean.lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "data:", "<style", "style=", "<iframe",
                "<svg", "<object", "<form", "<button", "<base", "<meta", "<link", "evil.example", "alert("):
        assert bad not in lowered, bad
    tree = lxml_html.fragment_fromstring(clean, create_parent="div")
    assert [img.get("src") for img in tree.iter("img") if img.get("src")] == ["fig/known.png"]
    assert [a.get("href") for a in tree.iter("a") if a.get("href")] == ["https://example.org/ok", "#S1"]
    assert "Title" in clean and "styled" in clean and "<math><mi>x</mi>" in clean


def test_jats_becomes_sections_figures_tables_mathml_and_doi_links():
    text = jats_html(JATS_XML, {"map.png": FIGURE_PNG, "unused.png": b"x"})
    assert text.toc == [("ft-s1", "1 Introduction", 1), ("ft-s1-1", "Earlier work", 2), ("ft-s2", "2 Results", 1),
                        ("ft-references", "References", 1)]
    assert list(text.figures) == ["map.png"]
    tree = lxml_html.fragment_fromstring(text.html, create_parent="div")
    assert tree.xpath("//section[@id='ft-s1']/h2")[0].text_content() == "1 Introduction"
    assert tree.xpath("//figure[@id='ft-f1']/img/@src") == ["fig/map.png"]
    assert "Temperature map of the crater floor." in tree.xpath("//figure[@id='ft-f1']/figcaption")[0].text_content()
    assert [c.text_content() for c in tree.xpath("//figure[@id='ft-t1']//td")] == ["Shackleton", "5"]
    assert "<mfrac><mn>1</mn><mn>2</mn></mfrac>" in text.html and "<msup><mi>T</mi><mn>4</mn></msup>" in text.html
    assert tree.xpath("//a[@href='#ft-r1']")  # the citation links to its reference
    assert tree.xpath("//li[@id='ft-r1']//a/@href") == ["https://doi.org/10.1073/pnas.1802345115"]
    assert "javascript" not in text.html


# --- LaTeXML --------------------------------------------------------------------------------------------------------

def test_latexml_makes_the_html_of_a_real_paper(tmp_path):
    needs_latexml()
    from journal.latex.html import latexml_html

    (tmp_path / "paper.tex").write_bytes(PAPER_TEX)
    (tmp_path / "coma.png").write_bytes(FIGURE_PNG)
    text = latexml_html(tmp_path, "paper.tex")
    assert [title for _id, title, _level in text.toc] == ["1 Introduction", "2 Observations", "References"]
    assert text.figures == {"coma.png": FIGURE_PNG}
    tree = lxml_html.fragment_fromstring(text.html, create_parent="div")
    assert "The coma of the comet." in tree.xpath("//figure[img]/figcaption")[0].text_content()
    assert tree.xpath("//figure[img]/img/@src") == ["fig/coma.png"]
    assert [c.text_content() for c in tree.xpath("//figure[table]//td")] == ["42", "37"]
    assert "<mfrac><mn>1</mn><mn>2</mn></mfrac>" in text.html and "<msqrt>" in text.html
    assert tree.xpath("//a[@href='https://doi.org/10.1016/j.icarus.2020.1']")
    assert "Dust in the Coma" not in text.html  # the title, authors and abstract are the page's own
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coma.png", "paper.tex"]  # the source is left as it was


def test_latexml_reads_an_aastex_paper(tmp_path):
    needs_latexml()
    from journal.latex.html import latexml_html

    (tmp_path / "paper.tex").write_bytes((DATA / "aastex.tex").read_bytes())
    (tmp_path / "coma.png").write_bytes(FIGURE_PNG)
    text = latexml_html(tmp_path, "paper.tex")
    assert [(title, level) for _id, title, level in text.toc] == [
        ("1 Introduction", 1), ("1.1 Earlier work", 2), ("2 Observations", 1), ("References", 1)]
    tree = lxml_html.fragment_fromstring(text.html, create_parent="div")
    assert [c.text_content() for c in tree.xpath("//figure[table]//td")] == ["1", "42", "2", "37"]  # deluxetable
    assert tree.xpath("//figure[img]/img/@src") == ["fig/coma.png"]  # \plotone
    assert tree.xpath("//a[@href='https://doi.org/10.1016/j.icarus.2020.1']")  # \doi, its link mended


def test_a_pdf_figure_becomes_a_picture_for_the_web(tmp_path):
    """Authors' figures are mostly PDF: ImageMagick reads them through Ghostscript inside the sandbox (Debian's own
    policy refuses PDF; ours is bound over it there only)."""
    needs_latexml()
    if sandbox.missing(("gs",)):
        pytest.skip("!!! gs missing: PDF figures in the HTML full text are NOT tested. Install Debian's ghostscript "
                    "(make latex-deps). !!!")
    from PIL import Image

    from journal.latex.html import latexml_html
    from journal.seed import DEMO_LATEX

    for path in DEMO_LATEX.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert (tmp_path / "lightcurve.pdf").exists() and not list(tmp_path.glob("*.png"))
    text = latexml_html(tmp_path, "main.tex")
    tree = lxml_html.fragment_fromstring(text.html, create_parent="div")
    source, = tree.xpath("//figure[img]/img/@src")
    picture = text.figures[source.removeprefix("fig/")]
    with Image.open(io.BytesIO(picture)) as image:
        assert image.format == "PNG" and image.width >= 300  # the light curve, drawn
    assert "Relative brightness of the star" in tree.xpath("//figure[img]/figcaption")[0].text_content()
    system = Path("/etc/ImageMagick-6/policy.xml")
    if system.exists():  # the machine's own ImageMagick keeps Debian's refusal
        assert '<policy domain="coder" rights="none" pattern="PDF" />' in system.read_text()


# --- production, the page, JATS -------------------------------------------------------------------------------------

def test_the_managing_editor_makes_the_html_from_latex_and_readers_read_it(client, login, accepted, outbox):
    needs_latexml()
    journal, submission, people = accepted
    manager, author = people["manager"], people["author"]
    article = production.start_production(manager, submission)
    production.upload_galley(manager, article, galley_pdf(submission.title, pages=3), "final.pdf")
    production.confirm_metadata(manager, article, **production.metadata_of(article.current_version))
    login(manager)
    assert "Make the HTML full text" in client.get(page(submission)).get_data(as_text=True)
    response = client.post(f"{page(submission)}/full-text", data={
        "source": (io.BytesIO(zipped({"paper.tex": PAPER_TEX, "coma.png": FIGURE_PNG})), "paper.zip"), "main": ""})
    assert response.status_code == 302
    run_id = int(re.search(r"run=(\d+)", response.headers["Location"]).group(1))
    run = finished(run_id)
    assert run.status is FullTextStatus.SUCCEEDED, (run.error, run.log[-2000:])
    print(f"\nLaTeXML full text of the test paper: {run.seconds} s")
    status = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in status and "Preview, as readers will see it" in status
    figure_url = re.search(r'src="([^"]+/figures/coma\.png)"', status).group(1)
    assert client.get(figure_url).data == FIGURE_PNG

    proof_service.request_proofs(manager, article)
    proof_service.approve_proofs(author, article)
    issue = issue_service.create_issue(manager, journal, volume=1, number=1, year=2026)
    issue_service.schedule_article(manager, article, issue_id=issue.id, first_page=1, last_page=3)
    issue_service.publish_issue(manager, issue)
    client.post("/logout")

    response = client.get(f"/j/{journal.slug}/articles/{article.id}")
    text = response.get_data(as_text=True)
    assert len(response.data) < 100_000
    tree = lxml_html.fromstring(response.data)
    toc = tree.xpath("//nav[@class='full-text-toc']//a")
    assert [(a.text_content(), a.get("href")) for a in toc] == [
        ("1 Introduction", "#ft-S1"), ("2 Observations", "#ft-S2"), ("References", "#ft-bib")]
    for _title, href in [(a.text_content(), a.get("href")) for a in toc]:
        assert tree.xpath(f"//*[@id='{href[1:]}']")
    assert tree.xpath("//div[@id='full-text']//math//mfrac")
    assert tree.xpath("//div[@id='full-text']//a[@href='https://doi.org/10.1016/j.icarus.2020.1']")
    assert "The coma of the comet." in text and "Dust production rates." in text
    public_figure = tree.xpath("//div[@id='full-text']//figure/img/@src")[0]
    assert public_figure.startswith(f"/j/{journal.slug}/articles/{article.id}/figures/")
    figure = client.get(public_figure)
    assert figure.data == FIGURE_PNG and figure.content_type == "image/png" and figure.headers["ETag"]
    assert client.get(public_figure, headers={"If-None-Match": figure.headers["ETag"]}).status_code == 304
    assert "version of record" in text

    journal.issn_online = "2049-3630"  # JATS needs one; this journal's office left it empty
    db.session.commit()
    jats = client.get(f"/j/{journal.slug}/articles/{article.id}/jats.xml").data
    assert_valid(jats_xsd(), jats)
    root = assert_valid(jats_dtd(), jats)
    assert [t.text for t in root.findall("body/sec/title")] == ["1 Introduction", "2 Observations"]
    assert root.find("body//fig/graphic") is not None and root.find("body//table-wrap//td") is not None
    assert root.find("body//{http://www.w3.org/1998/Math/MathML}mfrac") is not None
    assert "10.1016/j.icarus.2020.1" in "".join(root.find("back/ref-list").itertext())


def test_a_jats_upload_is_previewed_and_a_running_job_page_refreshes_itself(client, login, accepted):
    journal, submission, people = accepted
    manager = people["manager"]
    article = production.start_production(manager, submission)
    production.upload_galley(manager, article, galley_pdf(submission.title, pages=3), "final.pdf")
    production.confirm_metadata(manager, article, **production.metadata_of(article.current_version))
    login(manager)
    queued = FullText(article=article, source=FullTextSource.JATS, source_key="full-texts/none", source_name="a.xml",
                      html="", toc=[], error="", log="", status=FullTextStatus.QUEUED)
    db.session.add(queued)
    db.session.commit()
    waiting = client.get(f"{page(submission)}/full-text").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in waiting and "refreshes itself" in waiting
    db.session.delete(queued)
    db.session.commit()

    response = client.post(f"{page(submission)}/full-text", data={
        "source": (io.BytesIO(zipped({"article.xml": JATS_XML, "map.png": FIGURE_PNG})), "article.zip")})
    run = finished(int(re.search(r"run=(\d+)", response.headers["Location"]).group(1)))
    assert run.status is FullTextStatus.SUCCEEDED and run.source is FullTextSource.JATS
    db.session.refresh(article)
    assert article.current_version.full_text_id == run.id
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Temperature map of the crater floor." in preview and "Shackleton" in preview
    assert 'href="https://doi.org/10.1073/pnas.1802345115"' in preview and "javascript" not in preview
    assert "HTML full text made" in client.get(page(submission)).get_data(as_text=True)

    broken = client.post(f"{page(submission)}/full-text", data={
        "source": (io.BytesIO(b"<article><front/></article>"), "broken.xml")})
    run = finished(int(re.search(r"run=(\d+)", broken.headers["Location"]).group(1)))
    assert run.status is FullTextStatus.FAILED
    assert "This JATS XML has no body" in client.get(broken.headers["Location"]).get_data(as_text=True)
    db.session.refresh(article)
    assert article.current_version.full_text_id != run.id  # the failed run replaced nothing

    refused = client.post(f"{page(submission)}/full-text", data={"source": (io.BytesIO(b"%PDF"), "paper.pdf")})
    assert "Upload the LaTeX source as a .zip or .tar.gz archive, or a JATS .xml file." in \
        refused.get_data(as_text=True)

    # The corresponding author reviews it with the proofs, figures and all.
    proof_service.request_proofs(manager, article)
    client.post("/logout")
    login(people["author"])
    proofs = client.get(f"/submissions/{submission.id}/proofs").get_data(as_text=True)
    assert "Read the HTML full text" in proofs
    proof = client.get(f"/submissions/{submission.id}/proofs/full-text").get_data(as_text=True)
    assert "Temperature map of the crater floor." in proof and "<math" in proof
    figure = re.search(r'src="([^"]+/figures/map\.png)"', proof).group(1)
    assert client.get(figure).data == FIGURE_PNG


def test_an_archive_with_two_main_files_fails_with_its_reason(app, accepted):
    journal, submission, people = accepted
    article = production.start_production(people["manager"], submission)
    run = full_texts.request_full_text(people["manager"], article, io.BytesIO(zipped({
        "a.tex": b"\\documentclass{article}\\begin{document}A\\end{document}",
        "b.tex": b"\\documentclass{article}\\begin{document}B\\end{document}"})), "two.zip")
    full_texts.make(run.id)  # the job's body, here in the test's own session
    db.session.refresh(run)
    assert run.status is FullTextStatus.FAILED
    assert full_texts.failure_text(run) == "The archive holds several main .tex files: name the one to use."


def test_only_the_managing_editors_make_it_and_never_after_publication(app, accepted):
    journal, submission, people = accepted
    article = production.start_production(people["manager"], submission)
    with pytest.raises(DomainError):
        full_texts.request_full_text(people["editor"], article, io.BytesIO(JATS_XML), "a.xml")


def test_a_changed_full_text_reaches_readers_through_the_page_cache(app, client, make_journal, make_user):
    journal = make_journal("jdse", doi_prefix="10.59999")
    article = make_article(journal, make_user(), issue=make_issue(journal))
    made = jats_html(JATS_XML)
    full_text = FullText(article=article, source=FullTextSource.JATS, source_key="full-texts/x", source_name="a.xml",
                         html=made.html, toc=[list(e) for e in made.toc], error="", log="",
                         status=FullTextStatus.SUCCEEDED)
    article.current_version.full_text = full_text
    db.session.commit()
    url = f"/j/{journal.slug}/articles/{article.id}"
    first = client.get(url)
    assert "Craters near the lunar poles" in first.get_data(as_text=True)
    assert client.get(url).get_data(as_text=True) == first.get_data(as_text=True)
    full_text.html = full_text.html.replace("Craters near the lunar poles", "Craters at the lunar poles")
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "Craters at the lunar poles" in again.get_data(as_text=True)


def test_the_figure_route_serves_only_published_full_texts(app, client, make_journal, make_user):
    journal = make_journal("jdse", doi_prefix="10.59999")
    article = make_article(journal, make_user(), status=ArticleStatus.PROOFS_APPROVED, pages=None)
    full_text = FullText(article=article, source=FullTextSource.JATS, source_key="full-texts/x", source_name="a.xml",
                         html="<p>x</p>", toc=[], error="", log="", status=FullTextStatus.SUCCEEDED)
    article.current_version.full_text = full_text
    db.session.commit()
    assert client.get(f"/j/{journal.slug}/articles/{article.id}/figures/{full_text.id}/map.png").status_code == 404


def test_the_html_is_made_from_the_latex_source_the_authors_sent_without_uploading_it_again(client, login, accepted):
    from journal.models import CompileStatus, FileKind, LatexCompile
    from journal.services.files import add_submission_file

    journal, submission, people = accepted
    manager = people["manager"]
    article = production.start_production(manager, submission)
    login(manager)
    assert "from-authors-source" not in client.get(f"{page(submission)}/full-text").get_data(as_text=True)
    refused = client.post(f"{page(submission)}/full-text/from-source", follow_redirects=True)
    assert "The authors sent no LaTeX source that made the accepted version" in refused.get_data(as_text=True)
    assert full_texts.latest(article) is None

    # The accepted round came as LaTeX: its archive and the compile that made its manuscript.
    archive = zipped({"paper.tex": PAPER_TEX, "coma.png": FIGURE_PNG, "letter.tex": b"\\documentclass{letter}"})
    source = add_submission_file(people["author"], submission, kind=FileKind.LATEX_SOURCE, stream=io.BytesIO(archive),
                                 original_name="comet-paper.zip", media_type="application/zip")
    db.session.add(LatexCompile(submission=submission, round=submission.current_round, source_file_id=source.id,
                                main="paper.tex", mains=["letter.tex", "paper.tex"], status=CompileStatus.SUCCEEDED))
    db.session.commit()
    form = client.get(f"{page(submission)}/full-text").get_data(as_text=True)
    assert "“comet-paper.zip”, main file paper.tex" in form
    response = client.post(f"{page(submission)}/full-text/from-source")
    assert response.status_code == 302
    run = db.session.get(FullText, int(re.search(r"run=(\d+)", response.headers["Location"]).group(1)))
    assert (run.source, run.source_name, run.main) == (FullTextSource.LATEX, "comet-paper.zip", "paper.tex")
    assert run.source_key.startswith(f"full-texts/{article.id}/") and run.source_key != source.storage_key
    assert db.session.get(type(source), source.id) is not None  # the authors' file stays theirs
    needs_latexml()
    run = finished(run.id)
    assert run.status is FullTextStatus.SUCCEEDED, (run.error, run.log[-2000:])
    assert "The coma of the comet." in run.html
