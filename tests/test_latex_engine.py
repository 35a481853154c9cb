"""The LaTeX engine (journal/latex/): archives unpacked safely, sources compiled in the sandbox within their
limits, errors read from the log in plain words, a real AASTeX paper compiled, the source's anonymity check.

Every bad input of issue 17 is here, each refused or failed with its reason, within small limits (so the suite
stays fast), with nothing outside the sandbox read or written. Compile times are recorded for the terminal
summary ("LaTeX compile times")."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path

import pypdf
import pytest

from journal.latex import archive, compile as latex_compile, sandbox
from journal.latex.anonymity import COMMAND_AFFILIATION, COMMAND_EMAIL, COMMAND_NAMES, COMMAND_ORCID, \
    COMMENT_ADDRESS, COMMENT_NAME, SELF_CITATION, source_findings
from journal.latex.archive import ArchiveRefused, unpack
from journal.latex.compile import compile_source, parse_log
from journal.latex.sandbox import Limits, run
from tests.latex_paper import AUTHORS, DEMO, lightcurve_pdf, write_paper

ABSENT = sandbox.missing()
needs_tex = pytest.mark.skipif(bool(ABSENT), reason="LaTeX engine tests SKIPPED, missing: "
                               f"{sandbox.missing_words(ABSENT)} (make latex-deps)")

AASTEX_FILES = {"aastex631.cls": "texlive-publishers", "epsf.sty": "texlive-plain-generic",
                "aasjournal.bst": "texlive-publishers"}
ABSENT_TEX_FILES = [f"{name} (Debian package {package})" for name, package in AASTEX_FILES.items()
                    if not ABSENT and not subprocess.run(["kpsewhich", name], capture_output=True).stdout.strip()]
needs_aastex = pytest.mark.skipif(bool(ABSENT or ABSENT_TEX_FILES), reason="AASTeX paper tests SKIPPED, missing: "
                                  f"{sandbox.missing_words(ABSENT) or ', '.join(ABSENT_TEX_FILES)} (make latex-deps)")

BIBLATEX_MISSING = not ABSENT and not subprocess.run(["kpsewhich", "biblatex.sty"], capture_output=True).stdout.strip()
needs_biblatex = pytest.mark.skipif(bool(ABSENT) or BIBLATEX_MISSING, reason="biblatex test SKIPPED, missing: "
                                    f"{sandbox.missing_words(ABSENT) or 'biblatex.sty (Debian package texlive-bibtex-extra)'}"
                                    " (make latex-deps)")

SMALL = Limits(cpu_seconds=3, memory_bytes=1024 ** 3, output_bytes=4 * 1024 ** 2, wall_seconds=6, processes=64,
               open_files=256)  # quick to hit: the limits of production are checked by the same code
ARTICLE = "\\documentclass{article}\n\\begin{document}\n%s\n\\end{document}\n"


def timed(record_property, label: str, compiled) -> None:
    record_property("latex_seconds", (label, round(compiled.seconds, 2)))
    print(f"\n{label}: {compiled.seconds:.2f} s")


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return folder


def zipped(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in files.items():
            out.writestr(name, content)
    return buffer.getvalue()


def tarred(members: list[tuple[tarfile.TarInfo, bytes | None]], gz: bool = True) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gz else "w") as out:
        for info, data in members:
            out.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def link(name: str, target: str, hard: bool = False) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info, None


MAIN = ARTICLE % "Hello."


# --- archives ---------------------------------------------------------------------------------------------------

def test_a_zip_of_a_paper_unpacks_with_its_main_file(tmp_path):
    data = zipped({"paper/main.tex": MAIN, "paper/sections/intro.tex": "\\section{Intro}",
                   "paper/refs.bib": "@article{a, title={A}}", "paper/fig.pdf": lightcurve_pdf(),
                   "__MACOSX/paper/._main.tex": "resource fork", "paper/.DS_Store": "x"})
    unpacked = unpack(data, "paper.zip", tmp_path / "src")
    assert unpacked.files == ["paper/fig.pdf", "paper/main.tex", "paper/refs.bib", "paper/sections/intro.tex"]
    assert unpacked.mains == ["paper/main.tex"]
    assert (tmp_path / "src/paper/sections/intro.tex").read_text() == "\\section{Intro}"
    assert oct((tmp_path / "src/paper/main.tex").stat().st_mode & 0o7777) == "0o644"


def test_a_tar_gz_streamed_from_a_file_unpacks(tmp_path):
    data = tarred([regular("ms.tex", MAIN.encode()), regular("figs/a.png", b"\x89PNG....")])
    unpacked = unpack(io.BytesIO(data), "paper.tar.gz", tmp_path / "src")
    assert unpacked.files == ["figs/a.png", "ms.tex"] and unpacked.mains == ["ms.tex"]


def test_two_main_files_are_both_offered_the_likeliest_first(tmp_path):
    data = zipped({"appendix.tex": ARTICLE % "A", "main.tex": MAIN, "old/main.tex": MAIN,
                   "body.tex": "% \\documentclass{article} in a comment\n\\begin{document}"})
    assert unpack(data, "p.zip", tmp_path / "src").mains == ["main.tex", "appendix.tex", "old/main.tex"]


@pytest.mark.parametrize("name", ["../evil.tex", "paper/../../evil.tex", "/etc/evil.tex", "C:\\evil.tex",
                                  "..\\evil.tex", "bad\nname.tex"])
def test_a_path_leading_out_of_the_folder_is_refused_and_nothing_is_written(tmp_path, name):
    for data, filename in ((zipped({"main.tex": MAIN, name: "x"}), "p.zip"),
                           (tarred([regular("main.tex", MAIN.encode()), regular(name, b"x")]), "p.tar.gz")):
        with pytest.raises(ArchiveRefused) as refused:
            unpack(data, filename, tmp_path / "src")
        assert refused.value.template == archive.UNSAFE_PATH
        assert "unsafe name" in refused.value.reason
        assert sorted(p.name for p in tmp_path.rglob("*")) == ["src"]  # not even main.tex is left


def test_a_tar_with_dotdot_paths_and_symlinks_is_refused(tmp_path):
    cases = [
        ([regular("main.tex", MAIN.encode()), link("passwd", "/etc/passwd")], archive.LINK),
        ([regular("main.tex", MAIN.encode()), link("up", "../../..")], archive.LINK),
        ([regular("main.tex", MAIN.encode()), link("copy.tex", "main.tex", hard=True)], archive.LINK),
        ([link("dir", "/tmp"), regular("dir/evil.tex", b"x")], archive.LINK),
        ([regular("main.tex", MAIN.encode()), regular("../outside.tex", b"x")], archive.UNSAFE_PATH),
    ]
    for members, template in cases:
        with pytest.raises(ArchiveRefused) as refused:
            unpack(tarred(members), "p.tar.gz", tmp_path / "src")
        assert refused.value.template == template
        assert list((tmp_path / "src").iterdir()) == []
    assert not (tmp_path / "outside.tex").exists() and not Path("/tmp/evil.tex").exists()


def test_a_symlink_in_a_zip_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("main.tex", MAIN)
        info = zipfile.ZipInfo("secret")
        info.external_attr = (0o120777 << 16)
        out.writestr(info, "/etc/passwd")
    with pytest.raises(ArchiveRefused) as refused:
        unpack(buffer.getvalue(), "p.zip", tmp_path / "src")
    assert refused.value.template == archive.LINK and "secret" in refused.value.reason


def test_a_zip_bomb_stops_at_the_limit_without_trusting_the_header(tmp_path):
    zeros = b"\0" * (40 * 1024 ** 2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("main.tex", MAIN)
        out.writestr("bomb.dat", zeros)
    data = bytearray(buffer.getvalue())
    # The sizes in the headers claim 1 byte: the bytes unpacked are counted, not the headers believed
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (1).to_bytes(4, "little")
    assert len(data) < 100_000
    started = time.monotonic()
    with pytest.raises(ArchiveRefused) as refused:
        unpack(bytes(data), "bomb.zip", tmp_path / "src", max_bytes=5 * 1024 ** 2)
    assert refused.value.template in (archive.TOO_MANY_BYTES, archive.DAMAGED)
    assert time.monotonic() - started < 5
    assert list((tmp_path / "src").iterdir()) == []
    honest = zipped({"main.tex": MAIN, "bomb.dat": zeros})
    with pytest.raises(ArchiveRefused) as refused:
        unpack(honest, "bomb.zip", tmp_path / "src", max_bytes=5 * 1024 ** 2)
    assert refused.value.template == archive.TOO_MANY_BYTES and refused.value.reason == \
        "This archive unpacks to more than 5 MB, the limit."


def test_a_tar_gz_bomb_stops_at_the_limit(tmp_path):
    info = tarfile.TarInfo("bomb.dat")
    info.size = 60 * 1024 ** 2
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as out:
        out.addfile(tarfile.TarInfo("main.tex"), io.BytesIO(b""))
        out.addfile(info, io.BytesIO(b"\0" * info.size))
    data = gzip.compress(raw.getvalue(), compresslevel=9)
    assert len(data) < 200_000
    with pytest.raises(ArchiveRefused) as refused:
        unpack(data, "bomb.tar.gz", tmp_path / "src", max_bytes=5 * 1024 ** 2)
    assert refused.value.template == archive.TOO_MANY_BYTES
    assert sum(p.stat().st_size for p in (tmp_path / "src").rglob("*")) == 0


def test_too_many_files_are_refused(tmp_path):
    data = zipped({"main.tex": MAIN} | {f"data/{n}.txt": "x" for n in range(30)})
    with pytest.raises(ArchiveRefused) as refused:
        unpack(data, "p.zip", tmp_path / "src", max_files=20)
    assert refused.value.reason == "This archive contains more than 20 files, the limit."


def test_an_archive_inside_is_unpacked_once_and_one_inside_that_is_refused(tmp_path):
    inner = tarred([regular("main.tex", MAIN.encode()), regular("fig.pdf", b"%PDF-1.4")])
    unpacked = unpack(zipped({"README.txt": "see inside", "paper.tar.gz": inner}), "p.zip", tmp_path / "one")
    assert unpacked.files == ["README.txt", "paper/fig.pdf", "paper/main.tex"]
    assert unpacked.mains == ["paper/main.tex"]
    deeper = zipped({"paper.zip": zipped({"main.tex": MAIN, "more.zip": zipped({"x.tex": MAIN})})})
    with pytest.raises(ArchiveRefused) as refused:
        unpack(deeper, "p.zip", tmp_path / "two")
    assert refused.value.template == archive.NESTED and "more.zip" in refused.value.reason


@pytest.mark.parametrize(("data", "template"), [
    (b"%PDF-1.7 not an archive", archive.NOT_AN_ARCHIVE),
    (b"PK\x03\x04 broken", archive.DAMAGED),
    (gzip.compress(b"not a tar at all" * 100), archive.DAMAGED),
    (zipped({"fig.pdf": b"%PDF", "notes.txt": "x"}), archive.NO_TEX),
    (zipped({"chapter.tex": "\\section{A}"}), archive.NO_MAIN),
    (zipped({"main.tex": MAIN, "MAIN.tex/": ""}) + b"", None),
], ids=["pdf", "broken-zip", "gzip-not-tar", "no-tex", "no-main", "folder-beside-file"])  # the bytes carry times
def test_what_is_not_a_latex_source_is_refused_with_its_reason(tmp_path, data, template):
    if template is None:  # a folder beside a file of another case: fine on Linux
        assert unpack(data, "p.zip", tmp_path / "src").mains == ["main.tex"]
        return
    with pytest.raises(ArchiveRefused) as refused:
        unpack(data, "upload.zip", tmp_path / "src")
    assert refused.value.template == template


def test_refusals_are_translated_when_read(app):
    from flask_babel import force_locale

    refused = ArchiveRefused(archive.TOO_MANY_FILES, {"limit": "20"})
    with app.test_request_context("/"), force_locale("fr"):
        assert refused.message != refused.reason and "20" in refused.message
    assert refused.message == "This archive contains more than 20 files, the limit."


# --- the sandbox ------------------------------------------------------------------------------------------------

@needs_tex
def test_the_sandbox_runs_as_nobody_without_the_apps_environment_or_network(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNAL_SECRET_MARKER", "s3cret-environment")
    ran = run(["bash", "-c", "id -u; id -g; env; ls /; (echo > /dev/tcp/127.0.0.1/5432) 2>&1 || echo NO-NETWORK;"
               "cat /proc/net/dev | wc -l"], tmp_path, SMALL)
    lines = ran.stdout.splitlines()
    assert ran.returncode == 0, ran.stderr
    assert lines[:2] == ["65534", "65534"]
    assert "s3cret" not in ran.stdout and "SECRET_KEY" not in ran.stdout and "openin_any=p" in ran.stdout
    assert "NO-NETWORK" in ran.stdout
    assert {"home", "root", "srv", "opt"}.isdisjoint(lines)  # only /usr, the TeX configuration, /work, /tmp


@needs_tex
def test_nothing_outside_the_sandbox_is_read_or_written(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("MARKER-OUTSIDE-THE-SANDBOX")
    secret.chmod(0o644)
    tmp_path.chmod(0o755)  # even where the sandbox's user could read it, it is not there
    work = tmp_path / "work"
    work.mkdir()
    ran = run(["bash", "-c", f"cat {secret}; cat /etc/passwd; cat /work/../secret.txt; touch {tmp_path}/written;"
               " touch /usr/share/texlive/written /etc/texmf/written /written; ls /work"], work, SMALL)
    assert "MARKER-OUTSIDE" not in ran.stdout + ran.stderr
    assert "No such file or directory" in ran.stderr and "Read-only file system" in ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.txt", "work"]
    assert not Path("/usr/share/texlive/written").exists() and not Path("/etc/texmf/written").exists()


@needs_tex
def test_tex_cannot_input_a_file_outside_its_folder(tmp_path, record_property):
    secret = tmp_path / "secret.tex"
    secret.write_text("MARKER-OUTSIDE-THE-SANDBOX")
    source = write(tmp_path / "src", {"main.tex": ARTICLE % f"\\input{{{secret}}}\n\\input{{/etc/passwd}}"})
    compiled = compile_source(source, "main.tex", SMALL)
    timed(record_property, "\\input of a file outside", compiled)
    assert not compiled.ok and compiled.pdf is None
    assert "MARKER-OUTSIDE" not in compiled.log
    assert [(e.file, e.line, e.template) for e in compiled.errors] == [
        ("main.tex", 3, latex_compile.OUTSIDE_FILE)]
    source = write(tmp_path / "src2", {"main.tex": ARTICLE % "\\input{/etc/passwd}"})
    compiled = compile_source(source, "main.tex", SMALL)
    assert compiled.errors[0].message == ("The file /etc/passwd.tex is outside the archive: only files inside the "
                                          "archive can be read")
    assert "root:x:0:0" not in compiled.log


@needs_tex
def test_tex_cannot_write_outside_its_folder(tmp_path, record_property):
    outside = tmp_path / "outside.txt"
    body = ("\\newwrite\\out\n\\immediate\\openout\\out=%s\n\\immediate\\write\\out{escaped}\n"
            "\\immediate\\closeout\\out\nDone.")
    for target in (str(outside), "../escape.txt", "/tmp/escape.txt", ".latexmkrc"):
        work = write(tmp_path / "work", {"main.tex": ARTICLE % (body % target)})
        ran = run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "main.tex"], work, SMALL)
        assert ran.returncode != 0
        assert "I can't write on file" in (work / "main.log").read_text()
        assert sorted(p.name for p in work.iterdir()) == ["main.aux", "main.log", "main.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    source = write(tmp_path / "src", {"main.tex": ARTICLE % (body % "../escape.txt")})
    compiled = compile_source(source, "main.tex", SMALL)
    timed(record_property, "\\openout outside", compiled)
    assert [(e.file, e.line, e.message) for e in compiled.errors] == [
        ("main.tex", 4, "Writing the file ../escape.txt is not allowed: only files inside the archive's folder can "
                        "be written")]


@needs_tex
def test_write18_runs_no_command(tmp_path, record_property):
    body = "\\immediate\\write18{touch pwned.txt; touch /work/pwned2.txt}\nText."
    work = write(tmp_path / "work", {"main.tex": ARTICLE % body})
    with pytest.raises(ValueError):  # the command line would override shell_escape=f: never passed
        run(["pdflatex", "-interaction=nonstopmode", "--shell-escape", "main.tex"], work, SMALL)
    run(["pdflatex", "-interaction=nonstopmode", "main.tex"], work, SMALL)
    assert not list(work.glob("pwned*"))
    assert "runsystem(touch pwned.txt; touch /work/pwned2.txt)...disabled" in (work / "main.log").read_text()
    source = write(tmp_path / "src", {"main.tex": ARTICLE % body, "latexmkrc": "$pdflatex = 'pdflatex "
                                      "-shell-escape %O %S; touch pwned3.txt';"})
    compiled = compile_source(source, "main.tex", SMALL)
    timed(record_property, "\\write18", compiled)
    assert compiled.ok and compiled.pdf.startswith(b"%PDF")
    assert [e.message for e in compiled.errors] == [
        "The shell command touch pwned.txt; touch /work/pwned2.txt was not run: shell escape (\\write18) is "
        "switched off"]
    assert not list(source.glob("pwned*"))


@needs_tex
def test_a_tex_file_that_loops_forever_is_stopped_at_the_cpu_limit(tmp_path, record_property):
    source = write(tmp_path / "src", {"main.tex": ARTICLE % "\\def\\x{\\x}\\x"})
    compiled = compile_source(source, "main.tex", SMALL)
    timed(record_property, "endless loop (cpu 3 s, wall 6 s)", compiled)
    assert not compiled.ok and compiled.pdf is None
    assert compiled.refused == ("The compilation was stopped after 3 seconds of processor time, the limit. Look "
                                "for a loop that never ends, or for very large figures.")
    assert compiled.seconds < SMALL.wall_seconds + 2


@needs_tex
def test_the_wall_clock_limit_kills_every_process_of_the_sandbox(tmp_path):
    token = f"{time.time_ns() % 10 ** 9}.5"
    started = time.monotonic()
    ran = run(["bash", "-c", f"sleep {token} & sleep {token} & wait"], tmp_path,
              Limits(cpu_seconds=3, wall_seconds=1.5))
    assert ran.timed_out and ran.killed == "wall" and ran.returncode is None
    assert time.monotonic() - started < 4
    time.sleep(0.3)
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            alive.append((entry / "cmdline").read_bytes())
        except OSError:
            continue
    assert not [cmdline for cmdline in alive if token.encode() in cmdline]


@needs_tex
def test_a_tex_file_that_writes_a_huge_output_is_stopped_at_the_size_limit(tmp_path, record_property):
    body = ("\\newwrite\\out\\immediate\\openout\\out=big.txt\n"
            "\\def\\line{" + "x" * 200 + "}\n"
            "\\loop\\immediate\\write\\out{\\line}\\iftrue\\repeat")
    source = write(tmp_path / "src", {"main.tex": ARTICLE % body})
    compiled = compile_source(source, "main.tex", SMALL)
    timed(record_property, "huge output (limit 4 MB)", compiled)
    assert not compiled.ok
    assert compiled.refused == "The compilation was stopped: it wrote more than 4 MB, the limit."
    work = write(tmp_path / "work", {"main.tex": ARTICLE % body})
    ran = run(["pdflatex", "-interaction=nonstopmode", "main.tex"], work, SMALL)
    assert ran.killed == "output"
    assert (work / "big.txt").stat().st_size <= SMALL.output_bytes


@needs_tex
def test_what_the_sandbox_leaves_is_read_without_following_its_links(tmp_path):
    (tmp_path / "inside.txt").write_text("own")
    run(["bash", "-c", "mkdir out; echo made > out/main.pdf; ln -s /etc/hostname link.pdf; ln -s /usr sub"],
        tmp_path, SMALL)
    assert (tmp_path / "link.pdf").is_symlink()  # made inside, pointing at what would be the app's /etc/hostname
    assert sandbox.read_output(tmp_path, "out/main.pdf") == b"made\n"
    assert sandbox.read_output(tmp_path, "link.pdf") is None
    assert sandbox.read_output(tmp_path, "sub/bin/bash") is None
    assert sandbox.read_output(tmp_path, "../inside.txt") is None


@needs_tex
def test_the_output_limit_counts_what_the_run_writes_not_the_source(tmp_path):
    (tmp_path / "figure.dat").write_bytes(os.urandom(6 * 1024 ** 2))  # more than SMALL's 4 MB output limit
    ran = run(["bash", "-c", "sleep 0.5; echo ok"], tmp_path, SMALL)
    assert ran.returncode == 0 and ran.killed is None


@needs_tex
def test_a_fork_bomb_meets_the_process_limit(tmp_path):
    ran = run(["bash", "-c", "for i in $(seq 40); do sleep 2 & done; wait; echo finished"], tmp_path,
              Limits(cpu_seconds=3, wall_seconds=8, processes=10))
    assert "fork" in ran.stderr.lower() or "resource temporarily unavailable" in ran.stderr.lower()


# --- errors from the log ----------------------------------------------------------------------------------------

@needs_tex
@pytest.mark.parametrize(("files", "expected"), [
    ({"main.tex": "\\documentclass{article}\n\\usepackage{graphicx}\n\\begin{document}\n"
                  "\\includegraphics{figure1.pdf}\n\\end{document}\n"},
     [("main.tex", 4, "Missing file figure1.pdf")]),
    ({"main.tex": "\\documentclass{aastex999}\n\\begin{document}\nx\n\\end{document}\n"},
     [("main.tex", 1, "Unknown class aastex999: the file aastex999.cls is neither installed here nor in the "
                      "archive")]),
    ({"main.tex": "\\documentclass{article}\n\\usepackage{nosuchpackage}\n\\begin{document}\nx\n\\end{document}"},
     [("main.tex", 2, "Unknown package nosuchpackage: the file nosuchpackage.sty is neither installed here nor "
                      "in the archive")]),
    ({"paper/main.tex": ARTICLE % "Text\n\\input{sections/intro}",
      "paper/sections/intro.tex": "First line.\n\nHello \\fooo{} world.\n"},
     [("paper/sections/intro.tex", 3, "Undefined control sequence \\fooo")]),
    ({"main.tex": "\\documentclass{article}\n\\newcommand{\\sample}{Text \\undefinedinside{} more}\n"
                  "\\begin{document}\nA\n\\sample\n\\end{document}\n"},
     [("main.tex", 5, "Undefined control sequence \\undefinedinside")]),
    ({"main.tex": ARTICLE % "\\textbf{abc\n\ndef}"},
     [("main.tex", 5, "Runaway argument: an argument of \\textbf/\\textit/\\emph was not closed (a missing } or "
                      "a blank line inside it?)")]),
    ({"main.tex": "\\documentclass{article}\n\\begin{document}\nNo end.\n"},
     [("main.tex", None, "Emergency stop: TeX could not go on (is \\end{document} missing?)")]),
    ({"main.tex": ARTICLE % "\\begin{theorem}x\\end{theorem}"},
     [("main.tex", 3, "Unknown environment theorem")]),
])
def test_errors_are_read_from_the_log_in_plain_words_with_file_and_line(tmp_path, record_property, files,
                                                                        expected):
    write(tmp_path / "src", files)
    main = next(name for name in files if name.endswith("main.tex"))
    compiled = compile_source(tmp_path / "src", main, SMALL)
    timed(record_property, f"error: {expected[0][2][:40]}", compiled)
    assert not compiled.ok and compiled.refused is None
    assert [(e.file, e.line, e.message) for e in compiled.errors] == expected
    assert "Transcript written on" in compiled.log or "Fatal error" in compiled.log  # the full log is kept
    assert compiled.seconds < 10


def test_a_log_without_file_line_prefixes_names_the_file_from_tex_s_stack():
    text = ("This is pdfTeX\n(./main.tex\nLaTeX2e <2022-11-01>\n(/usr/share/texlive/texmf-dist/tex/latex/base/"
            "article.cls\nDocument Class: article\n(/usr/share/texlive/texmf-dist/tex/latex/base/size10.clo))\n"
            "(./chapters/one.tex [1] (version 2.0)\n! Undefined control sequence.\nl.7 Some text \\undefinedmacro\n"
            "                                      more\n)\n! LaTeX Error: File `plot.png' not found.\n\n"
            "See the LaTeX manual.\nl.12 \\includegraphics{plot.png}\n\n)\n! Emergency stop.\n<*> main.tex\n")
    errors = parse_log(text)
    assert [(e.file, e.line, e.message) for e in errors] == [
        ("chapters/one.tex", 7, "Undefined control sequence \\undefinedmacro"),
        ("main.tex", 12, "Missing file plot.png")]


def test_log_errors_keep_their_template_for_other_languages(app):
    from flask_babel import force_locale

    (error,) = parse_log("./main.tex:4: LaTeX Error: File `fig.pdf' not found.\n")
    assert error.to_dict() == {"file": "main.tex", "line": 4, "message": "Missing file fig.pdf",
                               "template": latex_compile.MISSING_FILE, "values": {"name": "fig.pdf"}}
    assert latex_compile.LogError.from_dict(error.to_dict()) == error
    with app.test_request_context("/"), force_locale("es"):
        assert "fig.pdf" in error.text and error.text != error.message


# --- a real paper -----------------------------------------------------------------------------------------------

@needs_aastex
def test_an_aastex_paper_with_a_figure_and_a_bib_compiles_to_a_pdf(tmp_path, record_property):
    names = write_paper(tmp_path / "paper")
    data = zipped({f"paper/{name}": (tmp_path / "paper" / name).read_bytes() for name in names})
    unpacked = unpack(data, "paper.zip", tmp_path / "src")
    assert unpacked.mains == ["paper/main.tex"]
    compiled = compile_source(unpacked.root, unpacked.mains[0])
    timed(record_property, "AASTeX paper (aastex631, figure, BibTeX)", compiled)
    assert compiled.ok, (compiled.errors, compiled.log[-3000:])
    assert compiled.errors == [] and compiled.refused is None
    reader = pypdf.PdfReader(io.BytesIO(compiled.pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 1
    assert "Periodic Dips in the Light Curve" in text.replace("\n", " ")
    assert "Quill" in text and "2024" in text  # the bibliography made by BibTeX from refs.bib
    assert "Phase" in text  # the figure, a vector PDF, is in the page
    assert "Citation" not in text and "??" not in text  # every \citep and \ref resolved
    assert "Draft version January 1, 1970" not in text  # \today is the day it is compiled
    assert not list((tmp_path / "src").rglob("*.aux"))  # the source stays as unpacked


@needs_aastex
def test_the_demo_paper_compiles(record_property):
    compiled = compile_source(DEMO, "main.tex")
    timed(record_property, "demo paper (journal/data/demo_latex)", compiled)
    assert compiled.ok, compiled.errors
    assert sorted(p.name for p in DEMO.iterdir()) == ["lightcurve.pdf", "main.tex", "refs.bib"]


@needs_biblatex
def test_a_biblatex_paper_compiles_with_biber(tmp_path, record_property):
    write(tmp_path / "src", {"main.tex": "\\documentclass{article}\n\\usepackage[backend=biber]{biblatex}\n"
                                         "\\addbibresource{refs.bib}\n\\begin{document}\nSee \\cite{quill2024}.\n"
                                         "\\printbibliography\n\\end{document}\n",
                             "refs.bib": (DEMO / "refs.bib").read_text()})
    compiled = compile_source(tmp_path / "src", "main.tex")
    timed(record_property, "biblatex paper (biber)", compiled)
    assert compiled.ok, (compiled.errors, compiled.log[-3000:])
    assert "--- BibTeX/Biber ---" in compiled.log and "biber" in compiled.log.lower()
    text = pypdf.PdfReader(io.BytesIO(compiled.pdf)).pages[0].extract_text()
    assert "Box Search for Shallow Transits" in text.replace("\n", " ")


def test_a_main_file_outside_the_archive_is_refused(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "-shell-escape.tex").write_text(MAIN)
    for main in ("../main.tex", "/etc/passwd", "missing.tex", "refs.bib", "-shell-escape.tex"):
        compiled = compile_source(tmp_path / "src", main, SMALL)
        assert not compiled.ok and compiled.refused == f"The main file {main} is not in the archive."


# --- the source's anonymity -------------------------------------------------------------------------------------

def test_the_source_check_finds_authors_affiliations_emails_orcids_and_self_citations():
    findings = source_findings(DEMO, AUTHORS)
    found = {(f.file, f.line, f.template) for f in findings}
    assert ("main.tex", 13, COMMAND_NAMES) in found  # \author[orcid]{Ada Quill}
    assert ("main.tex", 13, COMMAND_ORCID) in found
    assert ("main.tex", 14, COMMAND_AFFILIATION) in found
    assert ("main.tex", 15, COMMAND_EMAIL) in found
    assert ("main.tex", 7, COMMAND_NAMES) in found  # \shortauthors
    assert ("refs.bib", 1, SELF_CITATION) in found and ("refs.bib", 11, SELF_CITATION) in found
    citations = [f.what for f in findings if f.template == SELF_CITATION]
    assert citations == ["Self-citation: the reference quill2024 is by Ada Quill, an author of this paper",
                         "Self-citation: the reference quill2024 is by Bram Marsh, an author of this paper",
                         "Self-citation: the reference marsh2021 is by Bram Marsh, an author of this paper"]


def test_the_source_check_reads_comments_and_formatted_references(tmp_path):
    write(tmp_path, {
        "main.tex": ("\\documentclass{article}\n\\author{Anonymous}\n\\begin{document}\n"
                     "% TODO ask Ada Quill about the figure\n"
                     "50\\% of the sample % mail me: a.quill@example.org\n"
                     "Text by G\\\"odel.\n\\end{document}\n"),
        "main.bbl": ("\\begin{thebibliography}{2}\n\\bibitem[Quill(2024)]{q24} Quill, A. 2024, ExJA, 12, 101\n"
                     "\\bibitem[Other(2020)]{o20} Other, Z. 2020, ExJA, 1, 1\n\\end{thebibliography}\n"),
        "refs.bib": ("@article{g,\n author = {G{\\\"o}del, Kurt and Quillon, Ada},\n title={X}}\n"
                     "@article{q,\n author = \"A. Quill\",\n title={Y}}\n@string{x = \"y\"}\n"),
    })
    findings = [(f.file, f.line, f.what) for f in source_findings(tmp_path, ["Ada Quill", "Kurt Gödel"])]
    assert findings == [
        ("main.bbl", 2, "Self-citation: the reference q24 is by Ada Quill, an author of this paper"),
        ("main.tex", 4, "A comment names Ada Quill"),
        ("main.tex", 5, "A comment gives an address: a.quill@example.org"),
        ("refs.bib", 1, "Self-citation: the reference g is by Kurt Gödel, an author of this paper"),
        ("refs.bib", 4, "Self-citation: the reference q is by Ada Quill, an author of this paper"),
    ]
    assert COMMENT_NAME and COMMENT_ADDRESS  # the templates the findings above were made from


def test_an_anonymized_source_has_no_findings(tmp_path):
    write(tmp_path, {"main.tex": ("\\documentclass{aastex631}\n\\begin{document}\n\\title{T}\n"
                                  "\\author{Anonymous Author(s)}\n\\affiliation{}\n% a plain comment\n"
                                  "We extend our earlier work \\citep{quill2024}.\n\\end{document}\n"),
                     "refs.bib": "@article{quill2024, author = {Anonymous}, title = {Withheld}}\n"})
    assert source_findings(tmp_path, AUTHORS) == []


# --- settings -----------------------------------------------------------------------------------------------------

def test_limits_come_from_the_settings():
    limits = Limits.from_config({"LATEX_CPU_SECONDS": 5, "LATEX_MEMORY_MB": 512, "LATEX_OUTPUT_MB": 7,
                                 "LATEX_WALL_SECONDS": 9, "LATEX_PROCESSES": 8, "LATEX_OPEN_FILES": 32})
    assert limits == Limits(cpu_seconds=5, memory_bytes=512 * 1024 ** 2, output_bytes=7 * 1024 ** 2,
                            wall_seconds=9, processes=8, open_files=32)
    assert Limits.from_config({}) == Limits()
    import config

    assert Limits.from_config(vars(config.Config)) == Limits()


def test_missing_programs_are_named_with_their_debian_package():
    assert sandbox.missing(["no-such-program-x"]) == ["no-such-program-x"]
    assert sandbox.missing_words(["latexmk"]) == "latexmk (Debian package latexmk)"
    if not ABSENT:
        assert sandbox.missing() == [] and os.access("/usr/bin/bwrap", os.X_OK)
