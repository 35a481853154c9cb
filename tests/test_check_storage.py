"""`flask journal check-storage`: storage and database must agree, on both backends."""

import io
from pathlib import Path

import pytest

from journal.extensions import db
from journal.models import FileKind, Submission
from journal.services.files import add_submission_file
from journal.services.storage_check import check_storage


@pytest.fixture
def submission(make_journal, make_user):
    submission = Submission(journal=make_journal(), submitter=make_user(), title="Tidal heating of Europa")
    db.session.add(submission)
    db.session.commit()
    return submission


def upload(submission, content: bytes, name: str = "manuscript.pdf"):
    return add_submission_file(submission.submitter, submission, kind=FileKind.MANUSCRIPT, stream=io.BytesIO(content),
                               original_name=name, media_type="application/pdf")


def replace_behind_its_back(storage, key: str, content: bytes) -> None:
    """Change an object without going through the storage interface, which never overwrites."""
    if storage.name == "local":
        Path(storage.root, key).write_bytes(content)
    else:
        storage.client.put_object(Bucket=storage.bucket, Key=storage.prefix + key, Body=content)


def check(runner, *options):
    return runner.invoke(args=["journal", "check-storage", *options])


def test_check_storage_reports_agreement(runner, app_storage, submission):
    upload(submission, b"first")
    upload(submission, b"second", "supplement.csv")

    result = check(runner)

    assert result.exit_code == 0, result.output
    assert "Checked 2 file rows and 2 stored objects." in result.output
    assert "Storage and database agree." in result.output


def test_check_storage_with_nothing_stored_agrees(runner, app_storage):
    result = check(runner)

    assert result.exit_code == 0, result.output
    assert "Storage and database agree." in result.output


def test_check_storage_reports_missing_orphan_and_corrupt_objects_by_key(runner, app_storage, submission):
    intact = upload(submission, b"intact manuscript")
    lost = upload(submission, b"lost manuscript")
    corrupt = upload(submission, b"original bytes")
    orphan = f"submissions/{submission.id}/0123456789abcdef0123456789abcdef"
    app_storage.delete(lost.storage_key)
    app_storage.put(orphan, io.BytesIO(b"an object no row knows"))
    replace_behind_its_back(app_storage, corrupt.storage_key, b"altered bytes")

    result = check(runner)

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "Checked 3 file rows and 3 stored objects." in lines
    assert f"MISSING OBJECT  file {lost.id}: {lost.storage_key}" in lines
    assert f"ORPHAN OBJECT   {orphan}" in lines
    assert any(line.startswith(f"CHECKSUM        file {corrupt.id}: {corrupt.storage_key} expected {corrupt.sha256}")
               for line in lines)
    assert intact.storage_key not in result.output
    assert "agree" not in result.output


def test_check_storage_without_checksums_only_compares_keys(runner, app_storage, submission):
    corrupt = upload(submission, b"original bytes")
    replace_behind_its_back(app_storage, corrupt.storage_key, b"altered bytes")

    assert check(runner, "--no-checksums").exit_code == 0
    assert check(runner).exit_code == 1


def test_check_storage_report_lists_each_problem(app_storage, submission):
    lost = upload(submission, b"lost")
    corrupt = upload(submission, b"original")
    app_storage.delete(lost.storage_key)
    replace_behind_its_back(app_storage, corrupt.storage_key, b"changed")
    app_storage.put("submissions/999/orphan", io.BytesIO(b"x"))
    app_storage.put("galleys/1/outside-the-checked-prefix", io.BytesIO(b"x"))

    report = check_storage(app_storage)

    assert not report.ok
    assert (report.rows_checked, report.objects_seen) == (2, 2)
    assert report.missing_objects == [(lost.id, lost.storage_key)]
    assert report.orphan_objects == ["submissions/999/orphan"]
    [(file_id, key, want, got)] = report.checksum_mismatches
    assert (file_id, key, want) == (corrupt.id, corrupt.storage_key, corrupt.sha256)
    assert got != want and len(got) == 64


def test_full_texts_and_compile_logs_are_checked_too(app_storage, submission):
    """The HTML full texts' sources and figures and the LaTeX compile logs live outside submissions/."""
    from tests.published import make_article

    from journal.models import CompileStatus, FullText, FullTextFigure, FullTextSource, FullTextStatus, LatexCompile

    source = upload(submission, b"PK archive", "paper.zip")
    log = app_storage.put(f"latex-logs/{submission.id}/0a1b2c3d", io.BytesIO(b"This is pdfTeX"))
    db.session.add(LatexCompile(submission=submission, round=1, source_file_id=source.id, main="paper.tex",
                                status=CompileStatus.SUCCEEDED, log_key=log.key))
    article = make_article(submission.journal, submission.submitter)
    text_source = app_storage.put(f"full-texts/{article.id}/5e6f7a8b", io.BytesIO(b"PK source"))
    figure = app_storage.put(f"full-texts/{article.id}/9c0d1e2f", io.BytesIO(b"\x89PNG figure"))
    run = FullText(article_id=article.id, source=FullTextSource.LATEX, status=FullTextStatus.SUCCEEDED,
                   source_key=text_source.key)
    run.figures.append(FullTextFigure(name="fig1.png", storage_key=figure.key, media_type="image/png",
                                      size=figure.size, sha256=figure.sha256))
    db.session.add(run)
    db.session.commit()
    report = check_storage(app_storage)
    assert report.ok, report
    assert report.objects_seen == report.rows_checked  # the archive, the log, the full text's source and figure

    app_storage.delete(log.key)
    replace_behind_its_back(app_storage, figure.key, b"another figure")
    orphan = f"full-texts/{article.id}/ffffffff"
    app_storage.put(orphan, io.BytesIO(b"left behind by a failed run"))
    report = check_storage(app_storage)
    assert (run.id, text_source.key) not in report.missing_objects
    assert [key for _id, key in report.missing_objects] == [log.key]
    assert report.orphan_objects == [orphan]
    assert [key for _id, key, _want, _got in report.checksum_mismatches] == [figure.key]


def test_the_sweep_deletes_only_old_orphans_that_no_row_took_since(app_storage, submission):
    from datetime import UTC, datetime, timedelta

    from journal.services.storage_check import sweep_orphans

    kept = upload(submission, b"a manuscript")
    old = f"submissions/{submission.id}/00000000000000000000000000000001"
    taken = f"submissions/{submission.id}/00000000000000000000000000000002"
    for key in (old, taken):
        app_storage.put(key, io.BytesIO(b"stored, then its transaction failed"))
    report = check_storage(app_storage)
    assert report.orphan_objects == [old, taken]
    assert all(abs(report.orphan_written[key] - datetime.now(UTC)) < timedelta(minutes=5) for key in (old, taken))

    # Young orphans may be uploads on their way to their rows: an hour's sweep leaves them.
    assert sweep_orphans(app_storage, report, older_than=timedelta(hours=1)) == []
    # A row takes one of them after the report (its upload's transaction committed late).
    db.session.add(type(kept)(submission_id=submission.id, kind=kept.kind, round=1, storage_key=taken,
                              original_name="late.pdf", media_type="application/pdf", size=35, sha256="0" * 64,
                              uploaded_by_id=submission.submitter_id))
    db.session.commit()
    a_day_later = datetime.now(UTC) + timedelta(days=1)
    assert sweep_orphans(app_storage, report, older_than=timedelta(hours=1), now=a_day_later) == [old]
    assert not app_storage.exists(old)
    assert app_storage.exists(taken) and app_storage.exists(kept.storage_key)


def test_check_storage_deletes_old_orphans_when_asked(runner, app):
    import os
    import time

    from journal.storage import get_storage

    storage = get_storage()
    if storage.name != "local":
        pytest.skip("the file times are set on the local backend; S3 is covered by the test above")
    old = storage.put("submissions/7/0123456789abcdef0123456789abcdef", io.BytesIO(b"old orphan"))
    young = storage.put("submissions/7/fedcba9876543210fedcba9876543210", io.BytesIO(b"young orphan"))
    two_days_ago = time.time() - 2 * 86400
    os.utime(Path(storage.root, old.key), (two_days_ago, two_days_ago))

    result = check(runner, "--delete-orphans-older-than", "24")
    lines = result.output.splitlines()
    assert any(line.startswith(f"DELETED ORPHAN  {old.key} (written ") for line in lines), result.output
    assert f"ORPHAN OBJECT   {young.key}" in lines and result.exit_code == 1
    assert not storage.exists(old.key) and storage.exists(young.key)
    assert "0.1 is not in the range x>=1" in check(runner, "--delete-orphans-older-than", "0.1").output
