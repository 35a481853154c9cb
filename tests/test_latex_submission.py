"""LaTeX source as the manuscript (issue 17): the files step takes a .zip or .tar.gz, the archive is checked at
upload, compiled on the job queue (never in the request) while a page refreshes itself, and then the author sees the
PDF, now the manuscript, or the errors with file and line and the full log; a failed compile keeps the archive and
what was typed. Reviewers only ever reach the anonymized PDF; editors and production reach the source."""

import io
import re
import tarfile
import time
import zipfile

import lxml.html
import pytest
from sqlalchemy import func, select

from journal.extensions import db
from journal.jobs import jobs
from journal.latex.sandbox import missing
from journal.models import AuditEvent, CompileStatus, FileKind, LatexCompile, ReviewMode, Submission, SubmissionStatus
from journal.services import drafts as draft_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as service
from tests.access_world import build_world
from tests.pdfs import manuscript_pdf

PAPER = r"""\documentclass{article}
%% Written by Grace Hopper, grace@example.org
\author{Grace Hopper}
\title{Regolith cohesion}
\begin{document}
\maketitle
Regolith cohesion from the wheel tracks of a lunar rover.
\end{document}
"""
ABSTRACT = "Wheel tracks of a lunar rover constrain the cohesion of the regolith at the landing site."
BROKEN = "\\documentclass{article}\n\\begin{document}\n\\undefinedmacro{x}\nText.\n\\end{document}\n"


@pytest.fixture
def app_config(app_config):
    """Jobs wait on the queue until a test runs them (`run_jobs`), so that the page before the compile is seen."""
    return type("QueuedJobs", (app_config,), {"JOBS_RUN_IN_PROCESS": False, "LATEX_ARCHIVE_FILES": 20,
                                              "LATEX_WALL_SECONDS": 60})


def needs_tex():
    absent = missing()
    if absent:
        pytest.skip(f"LaTeX compile tests SKIPPED: {', '.join(absent)} missing (Debian packages bubblewrap, "
                    "latexmk, texlive-latex-extra; `make latex-deps` installs them)")


def run_jobs():
    """Run what waits on the app's queue, on a worker of that queue, as a worker node would."""
    queue = jobs()
    worker = queue.worker(1)
    worker.start()
    try:
        queue.wait(timeout_ms=120_000)
    finally:
        worker.stop()
    db.session.expire_all()


def zipped(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def texts(response, xpath: str) -> list[str]:
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def events(submission, prefix="latex.") -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_id == submission.id, AuditEvent.action.like(prefix + "%")).order_by(AuditEvent.id)))


@pytest.fixture
def draft(make_journal, make_user):
    journal = make_journal(reference_prefix="TEX", review_mode=ReviewMode.DOUBLE_ANONYMOUS)
    author = make_user("grace@example.org", given_name="Grace", family_name="Hopper")
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Regolith cohesion", abstract=ABSTRACT,
                                  keywords="moon")
    return submission, author


def upload(client, submission, data: bytes, name: str):
    return client.post(f"/submissions/{submission.id}/files/manuscript", data={"manuscript": (io.BytesIO(data), name)})


def test_the_archive_is_compiled_on_the_queue_while_its_page_refreshes_itself(client, login, draft):
    submission, author = draft
    login(author)
    response = upload(client, submission, zipped({"paper.tex": PAPER}), "paper.zip")
    assert response.status_code == 302
    page_url = response.headers["Location"]
    assert re.search(rf"/submissions/{submission.id}/latex/\d+$", page_url)
    row = db.session.scalars(select(LatexCompile)).one()
    assert row.status is CompileStatus.QUEUED and row.main == "paper.tex"  # queued, not compiled in the request
    page = client.get(page_url)
    assert page.status_code == 200
    refresh = lxml.html.fromstring(page.get_data(as_text=True)).xpath("//meta[@http-equiv='refresh']/@content")
    assert refresh == ["3"]
    assert texts(page, "//*[@id='compile-status']") == ["Waiting to be compiled"]
    files_page = client.get(f"/submissions/{submission.id}/files")
    assert "LaTeX source “paper.zip”: Waiting to be compiled." in texts(files_page, "//*[@id='latex-status']")[0]
    assert events(submission) == ["latex.uploaded"]


def test_a_real_archive_compiles_and_its_pdf_becomes_the_manuscript(client, login, draft):
    needs_tex()
    submission, author = draft
    login(author)
    archive = zipped({"paper.tex": PAPER, "notes/extra.txt": "not TeX"})
    page_url = upload(client, submission, archive, "paper.zip").headers["Location"]
    started = time.monotonic()
    run_jobs()
    print(f"\nLaTeX compile of a one-page article through the queue: {time.monotonic() - started:.2f} s")
    page = client.get(page_url)
    assert lxml.html.fromstring(page.get_data(as_text=True)).xpath("//meta[@http-equiv='refresh']") == []
    assert texts(page, "//*[@id='compile-status']") == ["Compiled"]
    submission = db.session.get(Submission, submission.id)
    manuscript = service.manuscript_of(submission)
    assert manuscript is not None and manuscript.original_name == "paper.pdf" and manuscript.page_count == 1
    assert manuscript.pdf_report is not None  # the same PDF check as an upload
    copy = service.reviewer_copy_of(submission, 1)
    assert copy.kind is FileKind.ANONYMIZED_MANUSCRIPT and copy.derived_from_id == manuscript.id
    # The PDF names its author (\author): the same anonymity check as an upload asks the author to decide.
    assert service.needs_anonymity_decision(submission)
    # The source's own findings are shown too, with file and line.
    findings = texts(page, "//*[@id='source-anonymity']//li")
    assert any(f.startswith("paper.tex, line 3") for f in findings), findings
    link = f"/submissions/{submission.id}/files/{manuscript.id}"
    assert link in page.get_data(as_text=True)
    assert events(submission) == ["latex.uploaded", "latex.compile_started", "latex.compile_finished"]
    # The archive stays with the round, for the editors.
    sources = [f for f in submission.files if f.kind is FileKind.LATEX_SOURCE]
    assert [f.original_name for f in sources] == ["paper.zip"]


def test_a_failing_archive_shows_file_and_line_and_keeps_the_archive_and_what_was_typed(client, login, draft):
    needs_tex()
    submission, author = draft
    login(author)
    page_url = upload(client, submission, zipped({"paper.tex": BROKEN}), "paper.zip").headers["Location"]
    run_jobs()
    page = client.get(page_url)
    assert texts(page, "//*[@id='compile-status']") == ["Failed"]
    errors = texts(page, "//*[@id='compile-errors']//li")
    assert errors and errors[0].startswith("paper.tex, line 3:"), errors
    assert "undefined control sequence" in errors[0].lower()
    submission = db.session.get(Submission, submission.id)
    assert service.manuscript_of(submission) is None
    source = next(f for f in submission.files if f.kind is FileKind.LATEX_SOURCE)
    assert client.get(f"/submissions/{submission.id}/files/{source.id}").status_code == 302  # kept, downloadable
    assert submission.title == "Regolith cohesion" and submission.abstract == ABSTRACT
    log = client.get(page_url + "/log")
    assert log.status_code == 200 and "Undefined control sequence" in log.get_data(as_text=True)
    assert events(submission) == ["latex.uploaded", "latex.compile_started", "latex.compile_failed"]
    # The files step says so, and still offers the upload.
    files_page = client.get(f"/submissions/{submission.id}/files")
    assert "Failed" in texts(files_page, "//*[@id='latex-status']")[0]


def tar_with(members) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def file_member(name: str, text: str):
    info = tarfile.TarInfo(name)
    info.size = len(text.encode())
    return info, text.encode()


def link_member(name: str, target: str):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info, None


BAD_ARCHIVES = {
    "escape.tar.gz": lambda: tar_with([file_member("paper.tex", PAPER), file_member("../outside.tex", "x")]),
    "link.tar.gz": lambda: tar_with([file_member("paper.tex", PAPER), link_member("passwd.tex", "/etc/passwd")]),
    "many.zip": lambda: zipped({f"f{i}.tex": "%" for i in range(25)} | {"paper.tex": PAPER}),
    "nomain.zip": lambda: zipped({"chapter.tex": "Just a chapter."}),
    "notanarchive.zip": lambda: b"PK\x03\x04 this is not a zip at all",
}


@pytest.mark.parametrize("name", BAD_ARCHIVES)
def test_an_unsafe_or_unusable_archive_is_refused_at_upload_with_its_reason(client, login, draft, name):
    submission, author = draft
    data = BAD_ARCHIVES[name]()
    login(author)
    response = upload(client, submission, data, name)
    assert response.status_code == 200
    reasons = texts(response, "//p[@class='field-error']")
    assert len(reasons) == 1 and len(reasons[0]) > 20, reasons  # a sentence, beside the field
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LatexCompile)) == 0
    assert [f for f in db.session.get(Submission, submission.id).files] == []
    assert events(submission) == []


def test_with_two_main_files_the_author_chooses_one(client, login, draft):
    submission, author = draft
    login(author)
    page_url = upload(client, submission, zipped({"paper.tex": PAPER, "letter.tex": PAPER}), "two.zip") \
        .headers["Location"]
    page = client.get(page_url)
    assert texts(page, "//*[@id='compile-status']") == ["Waiting for the main file to be chosen"]
    assert sorted(lxml.html.fromstring(page.get_data(as_text=True)).xpath("//input[@name='main']/@value")) == \
        ["letter.tex", "paper.tex"]
    assert client.post(page_url + "/main", data={"main": "elsewhere.tex"}).status_code == 302
    row = db.session.scalars(select(LatexCompile)).one()
    assert row.status is CompileStatus.CHOOSING
    client.post(page_url + "/main", data={"main": "paper.tex"})
    db.session.expire_all()
    row = db.session.scalars(select(LatexCompile)).one()
    assert (row.status, row.main) == (CompileStatus.QUEUED, "paper.tex")
    assert events(submission) == ["latex.uploaded", "latex.main_chosen"]


def test_a_pdf_uploaded_instead_replaces_the_rounds_latex_source(client, login, draft):
    submission, author = draft
    login(author)
    upload(client, submission, zipped({"paper.tex": PAPER}), "paper.zip")
    assert upload(client, submission, manuscript_pdf("Results"), "paper.pdf").status_code == 302
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert [f.kind for f in submission.files if f.kind is FileKind.LATEX_SOURCE] == []
    assert db.session.scalar(select(func.count()).select_from(LatexCompile)) == 0


def test_reviewers_never_reach_the_source_or_its_log_and_editors_do(app, client, login, make_journal, make_user):
    world = build_world("reviewed", make_journal, make_user)
    v = world.values
    source_urls = [f"/submissions/{v['P']}/files/{v['source']}", f"/submissions/{v['P']}/latex/{v['latex']}",
                   f"/submissions/{v['P']}/latex/{v['latex']}/log",
                   f"/editorial/{v['slug']}/submissions/{v['P']}/files/{v['source']}"]
    for persona in ("reviewer_accepted", "reviewer_invited", "reviewer_declined", "reviewer_other_paper"):
        client.post("/logout")
        login(world.people[persona])
        for url in source_urls:
            assert client.get(url).status_code in (403, 404), (persona, url)
    # The accepted reviewer's pages name no archive, and their manuscript is the anonymized PDF.
    client.post("/logout")
    login(world.people["reviewer_accepted"])
    assignment_page = client.get(f"/review/assignments/{v['A']}").get_data(as_text=True)
    assert "source.zip" not in assignment_page and "/latex/" not in assignment_page
    manuscript = client.get(f"/review/assignments/{v['A']}/manuscript")
    submission = db.session.get(Submission, v["P"])
    source = next(f for f in submission.files if f.kind is FileKind.LATEX_SOURCE)
    copy = service.reviewer_copy_of(submission, 1)
    assert copy.kind is FileKind.ANONYMIZED_MANUSCRIPT
    assert source.storage_key.split("/")[-1] not in manuscript.headers["Location"]
    # The handling editor sees the source with the round's files and downloads it.
    client.post("/logout")
    login(world.people["handling_editor"])
    page = client.get(f"/editorial/{v['slug']}/submissions/{v['P']}")
    assert "source.zip" in page.get_data(as_text=True)
    assert client.get(f"/editorial/{v['slug']}/submissions/{v['P']}/files/{v['source']}").status_code == 302


def test_production_lists_and_serves_each_rounds_source_and_pdf(app, client, login, make_journal, make_user):
    world = build_world("production", make_journal, make_user)
    v = world.values
    login(world.people["managing_editor"])
    page = client.get(f"/production/{v['slug']}/submissions/{v['P']}")
    links = lxml.html.fromstring(page.get_data(as_text=True)).xpath("//*[@id='source-section']//a/@href")
    assert f"/production/{v['slug']}/submissions/{v['P']}/files/{v['source']}" in links
    assert len(links) == 2  # the round's PDF and its source
    for link in links:
        assert client.get(link).status_code == 302


def test_a_revision_may_be_latex_too(client, login, draft):
    submission, author = draft
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf("Results")), "paper.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None",
                                      funding="None", data_availability="On request", suggested_reviewers=[],
                                      opposed_reviewers=[])
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.submit(author, submission)
    submission.status = SubmissionStatus.REVISION_REQUESTED
    db.session.commit()
    login(author)
    page_url = upload(client, submission, zipped({"paper.tex": PAPER}), "revised.zip").headers["Location"]
    row = db.session.scalars(select(LatexCompile)).one()
    assert row.round == 2
    revise = client.get(f"/submissions/{submission.id}/revise")
    assert "revised.zip" in texts(revise, "//*[@id='latex-status']")[0]
    if not missing():
        run_jobs()
        assert texts(client.get(page_url), "//*[@id='compile-status']") == ["Compiled"]
        submission = db.session.get(Submission, submission.id)
        assert service.manuscript_of(submission, 2).original_name == "paper.pdf"
        assert service.manuscript_of(submission, 1).original_name == "paper.pdf"  # round 1 is as it was sent


def test_the_paper_cannot_be_submitted_while_its_latex_source_waits_for_its_pdf(client, login, draft):
    """A PDF uploaded earlier would otherwise go to the editors while the source sent after it is still compiling."""
    submission, author = draft
    login(author)
    upload(client, submission, manuscript_pdf("Results"), "paper.pdf")
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert not [m for m in service.missing_items(submission) if m.step == "files"]
    page_url = upload(client, submission, zipped({"paper.tex": PAPER, "letter.tex": PAPER}), "two.zip") \
        .headers["Location"]
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert [m.message for m in service.missing_items(submission) if m.step == "files"] == \
        ["Choose the main file of your LaTeX source."]
    client.post(page_url + "/main", data={"main": "paper.tex"})
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    waiting = "Wait until your LaTeX source is compiled: its PDF becomes the manuscript."
    assert [m.message for m in service.missing_items(submission) if m.step == "files"] == [waiting]
    review_page = client.get(f"/submissions/{submission.id}/review")
    assert waiting in review_page.get_data(as_text=True)
    refused = client.post(f"/submissions/{submission.id}/submit", data={"version": submission.version})
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status is SubmissionStatus.DRAFT, refused.status_code
