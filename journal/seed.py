"""The demo installation that `make run` shows on a fresh machine."""

from pathlib import Path

from journal.extensions import db
from journal.models import Journal, Membership, PeerReviewPublication, ReviewMode, Role, Section, User, utcnow
from journal.services.accounts import hash_password

DEMO_PASSWORD = "deep-space-demo"

JDSE_DESCRIPTION = (
    "The Journal of Deep Space Exploration publishes peer-reviewed research on missions beyond Earth orbit: "
    "spacecraft and instruments, planetary science, heliophysics, astrodynamics and the data they return. "
    "It is the flagship journal of the International Deep Space Exploration Association and is open to "
    "researchers of every country."
)

# The language some demo people chose (their pages and mails); the others get what their browser asks for.
LANGUAGES = {"author.mei@idsea.example": "zh", "author.elena@idsea.example": "ru",
             "reviewer.amira@idsea.example": "ar"}

CJDSE_DESCRIPTION = (
    "《深空探测学报》是国际深空探测学会主办的中英双语学术期刊，刊登月球与行星科学、空间物理、深空探测任务"
    "与载荷技术等方面的原创研究论文。每篇论文均提供中文和英文的标题、摘要与关键词，实行双盲同行评议。"
)

PEOPLE = [
    # (email, given, family, affiliation, country, role or None, keywords)
    ("admin@idsea.example", "Platform", "Administrator", "IDSEA Secretariat, Hefei", "CN", "admin", []),
    ("managing.editor@idsea.example", "Lin", "Zhao", "Deep Space Exploration Laboratory", "CN",
     Role.MANAGING_EDITOR, ["mission design", "lunar exploration"]),
    ("editor.ada@idsea.example", "Ada", "Okafor", "University of Lagos", "NG", Role.EDITOR,
     ["planetary geology", "remote sensing"]),
    ("editor.marco@idsea.example", "Marco", "Bianchi", "Politecnico di Milano", "IT", Role.EDITOR,
     ["astrodynamics", "trajectory optimisation"]),
    ("reviewer.sara@idsea.example", "Sara", "Lindqvist", "Swedish Institute of Space Physics", "SE", Role.REVIEWER,
     ["heliophysics", "solar wind", "plasma"]),
    ("reviewer.kenji@idsea.example", "Kenji", "Watanabe", "ISAS/JAXA", "JP", Role.REVIEWER,
     ["sample return", "asteroids", "small bodies"]),
    ("reviewer.priya@idsea.example", "Priya", "Raman", "Indian Institute of Astrophysics", "IN", Role.REVIEWER,
     ["spectroscopy", "exoplanet atmospheres"]),
    ("reviewer.diego@idsea.example", "Diego", "Ferreira", "Instituto Nacional de Pesquisas Espaciais", "BR",
     Role.REVIEWER, ["radiation", "space weather"]),
    ("reviewer.amira@idsea.example", "Amira", "Haddad", "Mohammed VI Polytechnic University", "MA", Role.REVIEWER,
     ["mars", "planetary geology", "landing sites"]),
    ("reviewer.tom@idsea.example", "Tom", "Fischer", "DLR Institute of Planetary Research", "DE", Role.REVIEWER,
     ["radio science", "gravity fields", "deep space network"]),
    ("author.mei@idsea.example", "Mei", "Chen", "University of Science and Technology of China", "CN", None,
     ["lunar regolith"]),
    ("author.john@idsea.example", "John", "Mbeki", "University of Cape Town", "ZA", None, ["cubesats"]),
    ("author.elena@idsea.example", "Elena", "Petrova", "Space Research Institute (IKI)", "RU", None, ["venus"]),
    ("author.quill@idsea.example", "Ada", "Quill", "Department of Astronomy, Example University", "GB", None,
     ["exoplanets", "transit photometry"]),
]

# Demo iDs (valid check digits, nobody's record), as if proved through ORCID: Mei Chen's shows the ORCID iD icon on
# her published article; `make run-orcid` signs in to her account with it at the local test provider.
DEMO_ORCIDS = {"author.mei@idsea.example": "0000-0003-1415-9269"}
# Typed by the submitting author for a co-author (never proved): shown without the icon.
DEMO_TYPED_ORCIDS = {"wei.liu@idsea.example": "0000-0002-7182-8185"}

def seed_demo() -> list[tuple[str, str]]:
    """Create the demo journals and people; returns (role, email) pairs to print."""
    password_hash = hash_password(DEMO_PASSWORD)
    jdse = Journal(
        slug="jdse", title="Journal of Deep Space Exploration", abbreviation="J. Deep Space Explor.",
        reference_prefix="JDSE", issn_online="2049-3630", description=JDSE_DESCRIPTION,
        author_guidelines="Submit a PDF of at most 40 pages. Double-anonymous review: remove your names "
                          "and affiliations from the manuscript.",
        publisher="International Deep Space Exploration Association", doi_prefix="10.59999",
        review_mode=ReviewMode.DOUBLE_ANONYMOUS, review_days=28, response_days=7, reviews_required=2,
        licence="CC-BY-4.0", page_limit=40, peer_review_publication=PeerReviewPublication.WITH_CONSENT,
        sections=[Section(title=t, position=i) for i, t in
                  enumerate(["Research Article", "Review", "Letter", "Mission Report"])],
    )
    # An online-only letters journal that publishes each letter as soon as it is ready (online first).
    pil = Journal(
        slug="pil", title="Planetary Instruments Letters", abbreviation="Planet. Instrum. Lett.",
        reference_prefix="PIL", description="Short papers on instruments for planetary missions: design, "
        "calibration and first light.", publisher="International Deep Space Exploration Association",
        issn_online="2049-3657", doi_prefix="10.59999", licence="CC-BY-4.0",
        publishes_continuously=True, prints=False,
        review_mode=ReviewMode.SINGLE_ANONYMOUS, review_days=21, reviews_required=1,
        sections=[Section(title="Letter", position=0), Section(title="Instrument Note", position=1)],
    )
    # A journal whose pages are Chinese first (offered in every language of the platform), with bilingual articles.
    cjdse = Journal(
        slug="cjdse", title="深空探测学报", abbreviation="深空探测学报", reference_prefix="CJDSE",
        issn_online="2049-3649", description=CJDSE_DESCRIPTION, default_language="zh",
        author_guidelines="请提交不超过30页的PDF稿件，并提供中英文标题、摘要和关键词。双盲评审：请删除稿件中的作者姓名和单位。",
        publisher="国际深空探测学会", doi_prefix="10.59999", review_mode=ReviewMode.DOUBLE_ANONYMOUS,
        review_days=28, response_days=7, reviews_required=2, licence="CC-BY-4.0", page_limit=30,
        sections=[Section(title="研究论文", position=0), Section(title="快报", position=1)],
    )
    db.session.add_all([jdse, pil, cjdse])
    for email, given, family, affiliation, country, role, keywords in PEOPLE:
        orcid = DEMO_ORCIDS.get(email)
        user = User(email=email, password_hash=password_hash, given_name=given, family_name=family,
                    affiliation=affiliation, country=country, expertise_keywords=keywords,
                    email_verified_at=utcnow(), is_platform_admin=role == "admin", language=LANGUAGES.get(email),
                    orcid=orcid, orcid_authenticated_at=utcnow() if orcid else None)
        db.session.add(user)
        if isinstance(role, Role):
            db.session.add(Membership(user=user, journal=jdse, role=role))
        if role is Role.MANAGING_EDITOR:
            db.session.add(Membership(user=user, journal=cjdse, role=role))
            db.session.add(Membership(user=user, journal=pil, role=role))
    db.session.commit()
    return demo_logins()


def demo_logins() -> list[tuple[str, str]]:
    """(role, email) of each demo person, to print."""
    return [("Platform admin" if role == "admin" else (role.label if role else "Author"), email)
            for email, _given, _family, _affiliation, _country, role, _keywords in PEOPLE]


def demo_pdf(lines: list[str], *, author: str = "") -> bytes:
    """A small real PDF with the given lines of text (Helvetica), and an /Author entry if given."""

    def literal(text: str) -> bytes:
        return b"(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252") + b")"

    content = b"BT /F1 12 Tf 16 TL 72 740 Td " + b" ".join(literal(line) + b" Tj T*" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Title %s /Author %s >>" % (literal(lines[0] if lines else ""), literal(author)),
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


DEMO_PAPERS = [
    # (author email, title, keywords, state) — each state reached through the services, as editors would
    ("author.mei@idsea.example", "Thermal inertia of the lunar regolith at the Chang'e-6 landing site",
     "lunar regolith, thermal inertia, Chang'e-6", "draft"),
    ("author.john@idsea.example", "A 6U CubeSat radio beacon for cislunar navigation",
     "cubesats, navigation, cislunar space", "submitted"),
    ("author.elena@idsea.example", "Sulfuric acid cloud variability from Venus Express limb spectra",
     "venus, clouds, spectroscopy", "revision_requested"),
    ("author.mei@idsea.example", "Boulder distributions at the Chang'e-4 landing site from Yutu-2 panoramas",
     "planetary geology, landing sites, lunar exploration", "under_review"),
    ("author.john@idsea.example", "Low-energy transfers to Earth-Moon L2 halo orbits for a relay satellite",
     "astrodynamics, trajectory optimisation, cislunar space", "reviewed"),
    ("author.elena@idsea.example", "Solar wind proton flux at 1 AU during the 2025 solar maximum",
     "heliophysics, solar wind, space weather", "accepted"),
    ("author.john@idsea.example", "An ion thruster powered by ambient cosmic rays",
     "propulsion, cosmic rays", "rejected"),
]

REVIEW_TEXTS = {
    "accept": "A careful, well-argued paper. The data support the conclusions; the figures are clear. I have only "
              "small suggestions on the wording of the abstract.",
    "minor_revision": "The method is sound and the result useful. Please state the uncertainties of the fitted "
                      "parameters in the second table, and discuss the calibration drift over the mission.",
    "major_revision": "The central claim needs stronger support: the model ignores the temperature dependence of "
                      "the conductivity, and the comparison with earlier measurements is missing. Please add both.",
}


def _person(email: str) -> User:
    from sqlalchemy import select

    return db.session.scalar(select(User).where(User.email == email))


def _review(reviewer: User, assignment, recommendation: str, *, submit: bool = True) -> None:
    from journal.services import reviews as review_service

    scores = {"accept": 5, "minor_revision": 4, "major_revision": 3}[recommendation]
    review_service.save_review(
        reviewer, assignment, scores={"originality": scores, "significance": scores - 1, "soundness": scores,
                                      "clarity": min(5, scores + 1)},
        recommendation=recommendation, comments_to_authors=REVIEW_TEXTS[recommendation],
        confidential_comments="No concerns about the integrity of the work." if submit else "")
    if submit:
        review_service.submit_review(reviewer, assignment)


def _invite_and_accept(editor: User, submission, reviewer_email: str):
    from journal.services import invitations as invitation_service

    _assignment, token = invitation_service.invite_reviewer(editor, submission, user_id=_person(reviewer_email).id)
    return invitation_service.accept_invitation(token)


def _reviewed(manager: User, editor: User, submission, reviewers: list[tuple[str, str]]) -> None:
    """Assign, send to review, and have each (reviewer, recommendation) accept and submit a review."""
    from journal.services import editorial

    if submission.handling_editor_id != editor.id:
        editorial.assign_handling_editor(manager, submission, editor.id)
    if submission.status.value == "submitted":
        editorial.send_to_review(editor, submission)
    for email, recommendation in reviewers:
        _review(_person(email), _invite_and_accept(editor, submission, email), recommendation)


def seed_submissions() -> list[str]:
    """Demo submissions in every editorial state, with reviews and decisions, made through the services."""
    import io

    from sqlalchemy import select

    from journal.models import DecisionKind
    from journal.services import drafts as draft_service
    from journal.services import editorial
    from journal.services import invitations as invitation_service
    from journal.services import manuscripts as manuscript_service
    from journal.services import submissions as service

    jdse = db.session.scalar(select(Journal).where(Journal.slug == "jdse"))
    manager = _person("managing.editor@idsea.example")
    ada, marco = _person("editor.ada@idsea.example"), _person("editor.marco@idsea.example")
    made = []
    for email, title, keywords, state in DEMO_PAPERS:
        author = _person(email)
        submission = draft_service.start_submission(author, jdse, section_id=jdse.sections[0].id,
                                                    checklist_confirmed=True)
        draft_service.update_metadata(
            author, submission, title=title, keywords=keywords,
            abstract=f"We present {title[0].lower()}{title[1:]}. The energy balance $E = \\sigma T^4$ and the "
                     "observations of three seasons constrain the model.",
        )
        manuscript_service.upload_manuscript(author, submission, io.BytesIO(demo_pdf([title, "Anonymous authors",
                                                                                      "1. Introduction"])),
                                             "manuscript.pdf")
        draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None",
                                          funding="IDSEA early-career grant", data_availability="Data on request.",
                                          suggested_reviewers=[], opposed_reviewers=[])
        if state != "draft":
            service.submit(author, submission)
        if state == "revision_requested":
            _reviewed(manager, ada, submission, [("reviewer.priya@idsea.example", "major_revision"),
                                                 ("reviewer.sara@idsea.example", "minor_revision")])
            editorial.decide(ada, submission, kind=DecisionKind.MAJOR_REVISION,
                             letter=editorial.default_decision_letter(submission, DecisionKind.MAJOR_REVISION))
        elif state == "under_review":
            _reviewed(manager, ada, submission, [])
            _review(_person("reviewer.amira@idsea.example"),
                    _invite_and_accept(ada, submission, "reviewer.amira@idsea.example"), "minor_revision", submit=False)
            invitation_service.invite_reviewer(ada, submission, user_id=_person("reviewer.kenji@idsea.example").id)
            _assignment, token = invitation_service.invite_reviewer(ada, submission,
                                                                    user_id=_person("reviewer.tom@idsea.example").id)
            invitation_service.decline_invitation(token, reason="On a field campaign until March.",
                                                  alternatives="Diego Ferreira knows the Yutu-2 data well.")
        elif state == "reviewed":
            _reviewed(manager, marco, submission, [("reviewer.tom@idsea.example", "minor_revision"),
                                                   ("reviewer.diego@idsea.example", "accept")])
        elif state == "accepted":
            _reviewed(manager, marco, submission, [("reviewer.sara@idsea.example", "minor_revision"),
                                                   ("reviewer.diego@idsea.example", "minor_revision")])
            editorial.decide(marco, submission, kind=DecisionKind.MINOR_REVISION,
                             letter=editorial.default_decision_letter(submission, DecisionKind.MINOR_REVISION))
            manuscript_service.upload_manuscript(author, submission, io.BytesIO(demo_pdf([title, "Anonymous authors",
                                                                                          "1. Introduction (revised)"])),
                                                 "manuscript-revised.pdf")
            service.resubmit(author, submission, response="We added the uncertainties to the second table and a "
                                                          "paragraph on the calibration drift.")
            editorial.decide(marco, submission, kind=DecisionKind.ACCEPT,
                             letter=editorial.default_decision_letter(submission, DecisionKind.ACCEPT))
        elif state == "rejected":
            editorial.assign_handling_editor(manager, submission, marco.id)
            editorial.desk_reject(marco, submission, letter=editorial.default_desk_reject_letter(submission))
        made.append(f"{submission.display_reference}: {submission.status.label.lower()}"
                    + (" (two reviews in, decision waiting)" if state == "reviewed" else ""))
    return (made + seed_issues() + seed_announcements() + seed_bilingual_issue() + seed_online_first()
            + seed_latex_paper())


ONLINE_FIRST_LETTER = (
    "author.john@idsea.example", ("Ines", "Moreau", "ines.moreau@idsea.example", "LESIA, Paris"),
    "First light of a 3U CubeSat ultraviolet spectrometer for lunar exospheric sodium",
    "cubesats, ultraviolet spectroscopy, lunar exosphere",
    "A 3U CubeSat carries an ultraviolet spectrometer to lunar orbit. Its first light resolves the sodium D lines "
    "of the lunar exosphere at 0.2 nm with a signal-to-noise ratio of 40 in ten minutes.")


def seed_online_first() -> list[str]:
    """A letter of Planetary Instruments Letters published online first, with its DOI and article number, in no
    issue yet: the journal's "Online first" list, and an article an issue can gather later."""
    from sqlalchemy import select

    from journal.services import issues as issue_service
    from journal.services import proofs as proof_service

    pil = db.session.scalar(select(Journal).where(Journal.slug == "pil"))
    manager = _person("managing.editor@idsea.example")
    email, coauthor, title, keywords, abstract = ONLINE_FIRST_LETTER
    author = _person(email)
    submission, article = _proofs_sent(manager, author, pil, coauthor, 0, title, keywords, abstract)
    proof_service.approve_proofs(author, article)
    issue_service.publish_online(manager, article)
    return [f"{submission.display_reference}: published online first as {article.article_number}, DOI {article.doi}"]


DEMO_LATEX = Path(__file__).resolve().parent / "data" / "demo_latex"
LATEX_NOT_MADE = "The demo's AASTeX letter"  # how the seed's lines begin when it could not be made
LATEX_PAPER = (
    "author.quill@idsea.example",
    ("Bram", "Marsh", "bram.marsh@example.org", "Institute for Small Telescopes, Sampleville"),
    "Periodic Dips in the Light Curve of a Quiet Dwarf Star",
    "exoplanets, transit photometry, light curves",
    "We report shallow periodic dips in eighty nights of photometry of a quiet dwarf star. The dips recur every "
    "3.21 days with a depth of 0.8 per cent and a duration of two hours, consistent with the transit of a planet "
    "of about two Earth radii.")


def demo_latex_archive() -> bytes:
    """journal/data/demo_latex/ as the author would upload it: a zip of main.tex, refs.bib and the figure."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(DEMO_LATEX.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def seed_latex_paper() -> list[str]:
    """A letter written with AASTeX, submitted to Planetary Instruments Letters as its LaTeX source: compiled by the
    journal (the compile_latex job's body, run here), accepted, given an HTML full text made with LaTeXML from the
    same source in production, and published online first. Skipped, saying why, without TeX Live, LaTeXML or
    bubblewrap (`make latex-deps`)."""
    import io

    from sqlalchemy import select

    from journal.jobs import jobs
    from journal.latex import sandbox
    from journal.models import CompileStatus, FullTextStatus
    from journal.services import contributors as contributor_service
    from journal.services import drafts as draft_service
    from journal.services import full_texts
    from journal.services import issues as issue_service
    from journal.services import latex as latex_service
    from journal.services import production
    from journal.services import proofs as proof_service
    from journal.services.latex_compile import run_compile
    from journal.storage import get_storage

    absent = sandbox.missing((*sandbox.TEX_PROGRAMS, "latexmlc"))
    if absent:
        return [f"{LATEX_NOT_MADE} was not made: {sandbox.missing_words(absent)} (make latex-deps)."]
    pil = db.session.scalar(select(Journal).where(Journal.slug == "pil"))
    manager = _person("managing.editor@idsea.example")
    email, (given, family, coauthor_email, affiliation), title, keywords, abstract = LATEX_PAPER
    author = _person(email)
    submission = draft_service.start_submission(author, pil, section_id=pil.sections[0].id, checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title=title, keywords=keywords, abstract=abstract)
    contributor_service.add_contributor(author, submission, given_name=given, family_name=family,
                                        email=coauthor_email, affiliation=affiliation)
    source = demo_latex_archive()
    queue = jobs()
    in_process = queue.run_in_process
    queue.run_in_process = False  # compiled here, now; a worker that takes the queued job later finds it done
    try:
        compiled = latex_service.upload_source(author, submission, io.BytesIO(source), "quill-dips-aastex.zip")
        run_compile(compiled.id)
    finally:
        queue.run_in_process = in_process
    db.session.refresh(compiled)
    if compiled.status is not CompileStatus.SUCCEEDED:
        return [f"{LATEX_NOT_MADE} did not compile ({compiled.status.value}): {compiled.errors}"]
    _submit_and_accept(manager, author, submission, manuscript_title=None, competing_interests="None",
                       funding="Example University small-telescope programme",
                       data_availability="The photometry is archived with the paper's source.",
                       reason="Invited letter for the LaTeX demonstration, reviewed by the editorial board.")
    article = production.start_production(manager, submission)
    with get_storage().open(compiled.pdf_file.storage_key) as stream:
        galley = stream.read()
    production.upload_galley(manager, article, io.BytesIO(galley), "galley.pdf")
    full_text = full_texts.request_full_text(manager, article, io.BytesIO(source), "quill-dips-aastex.zip")
    full_texts.make(full_text.id)  # the make_full_text job's body
    db.session.refresh(full_text)
    if full_text.status is not FullTextStatus.SUCCEEDED:
        return [f"{LATEX_NOT_MADE}'s HTML full text failed: {full_texts.failure_text(full_text)}"]
    production.confirm_metadata(manager, article, **production.metadata_of(article.current_version))
    proof_service.request_proofs(manager, article)
    proof_service.approve_proofs(author, article)
    issue_service.publish_online(manager, article)
    return [f"{submission.display_reference}: written in AASTeX, compiled in {compiled.seconds:.1f} s, published "
            f"online first with its HTML full text ({full_text.seconds:.1f} s with LaTeXML), DOI {article.doi}"]


def seed_announcements() -> list[str]:
    """News on the JDSE home page, posted by its managing editor."""
    from sqlalchemy import select

    from journal.services import journals as journal_service

    jdse = db.session.scalar(select(Journal).where(Journal.slug == "jdse"))
    manager = _person("managing.editor@idsea.example")
    journal_service.post_announcement(
        manager, jdse, title="Call for papers: the far side of the Moon",
        body="A special issue on results from the lunar far side: sample return, radio astronomy and the "
             "geology of the South Pole–Aitken basin. Submissions are open until **31 March 2027**.")
    return ["announcement: call for papers"]


# --- published issues -------------------------------------------------------------------------------------

PUBLISHED_PAPERS = [
    # (author email, co-author (given, family, email, affiliation), section, title, keywords, abstract)
    ("author.mei@idsea.example", ("Wei", "Liu", "wei.liu@idsea.example", "National Space Science Center, Beijing"),
     0, "Regolith density profiles from the Chang'e-5 drill cores",
     "lunar regolith, drill cores, bulk density",
     "The Chang'e-5 drill returned a 1 m core from Oceanus Procellarum. We measure its bulk density in 2 cm "
     "slices and find a steady increase from 1.2 to 1.9 g/cm³ with depth, which we fit with an exponential "
     "compaction law $\\rho(z) = \\rho_\\infty - (\\rho_\\infty - \\rho_0) e^{-z/H}$ with a scale height of 18 cm."),
    ("author.john@idsea.example", ("Thandiwe", "Nkosi", "thandiwe.nkosi@idsea.example", "South African National "
     "Space Agency"), 0, "Two years of a CubeSat magnetometer in low lunar orbit",
     "cubesats, magnetometer, lunar crustal fields",
     "A 3U CubeSat carried a fluxgate magnetometer in a 100 km polar orbit for two years. We describe the "
     "calibration against the spacecraft's own field, map crustal anomalies at 1 nT resolution and compare them "
     "with earlier maps from Lunar Prospector."),
    ("author.elena@idsea.example", ("Ivan", "Sokolov", "ivan.sokolov@idsea.example", "Space Research Institute "
     "(IKI)"), 3, "Venera-D mission design: an orbiter, a lander and an aerial platform",
     "venus, mission design, aerial platform",
     "We report the current mission design of Venera-D: the orbiter's science orbit, the lander's descent "
     "profile and a long-lived aerial platform drifting at 55 km. Mass and power budgets close with a 20 % "
     "margin on a heavy launcher."),
    ("author.mei@idsea.example", ("Ana", "Souza", "ana.souza@idsea.example", "Instituto Nacional de Pesquisas "
     "Espaciais"), 0, "Dust levitation at the lunar terminator measured by a lander camera",
     "lunar dust, terminator, electrostatic levitation",
     "A lander camera watched the horizon at sunset for fourteen lunar days. Horizon glow appears on nine of "
     "them, about 40 minutes after sunset, and its brightness agrees with electrostatically levitated grains of "
     "5 to 10 µm."),
    ("author.john@idsea.example", ("Grace", "Otieno", "grace.otieno@idsea.example", "University of Nairobi"),
     2, "A ground station network of universities for deep space CubeSats",
     "cubesats, ground stations, deep space network",
     "Nine university ground stations on four continents tracked a deep space CubeSat for six months. We give "
     "the link budgets, the scheduling rules and the data return, and show that the network closed 92 % of the "
     "planned passes."),
]
IN_PRODUCTION_PAPER = (
    "author.elena@idsea.example", ("Ivan", "Sokolov", "ivan.sokolov@idsea.example", "Space Research Institute (IKI)"),
    0, "Radio occultation profiles of the Venus mesosphere from two spacecraft",
    "venus, radio occultation, atmosphere",
    "Radio occultations by two spacecraft give 120 temperature profiles of the Venus mesosphere between 40 and "
    "90 km. The cold collar at high latitudes is stable over four years.")
ISSUES = [(1, 1, 3), (1, 2, 2)]  # volume, number, how many of PUBLISHED_PAPERS in order

BODY = {
    "Introduction": [
        "Few measurements of {topic} exist, and each new one narrows the range of models that explain the "
        "observations. Earlier work relied on indirect estimates with uncertainties of a factor of two.",
        "This paper describes the data, the method and the result, and discusses what they mean for the missions "
        "planned for the next decade. Section 2 gives the data, Section 3 the results and Section 4 their meaning."],
    "Data and methods": [
        "The instrument was calibrated before launch against laboratory references and checked in flight against "
        "known targets. Each value carries its uncertainty, propagated through every step of the analysis.",
        "We rejected readings taken during thruster firings and eclipses, which left 48 usable series. The "
        "processing scripts and the calibrated data are archived with the mission data."],
    "Results": [
        "Table 1 lists the main figures and Figure 1 shows their trend. The values agree with the earlier "
        "estimates within their uncertainties, but their spread is half as large.",
        "No series departs from the trend by more than twice its uncertainty, and the residuals show no "
        "dependence on local time or on the temperature of the instrument."],
    "Discussion": [
        "The result constrains models of {topic} more tightly than before. The remaining uncertainty comes mostly "
        "from the calibration, which a reference target on the next mission would remove.",
        "A longer series would also separate seasonal effects from the slow drift we see in the second year."],
    "Conclusions": [
        "The measurements are consistent, repeatable and ready for use by other teams. We thank the mission "
        "operations teams and the reviewers for their careful reading."],
}


def article_pdf(*, title: str, authors: list[str], abstract: str, journal: str, doi: str, first_page: int = 1,
                keywords: str = "") -> bytes:
    """A readable multi-page galley: title, authors, abstract, sections of text, a figure and a table, page
    numbers and the journal's name and DOI in the footer (fpdf2, the Unicode font of the certificates)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from journal import fonts

    class Galley(FPDF):
        def footer(self):
            self.set_y(-15)
            fonts.use_font(self, family, "", 8)
            self.cell(0, 5, f"{journal} · https://doi.org/{doi}", align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, str(first_page + self.page_no() - 1), align="R")

    topic = keywords.split(",")[0].strip() if keywords else "this kind"
    pdf = Galley(format="A4")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.set_title(title)
    pdf.set_author(", ".join(authors))
    family = fonts.set_up(pdf)

    def text(value: str) -> str:
        return value if family == "Sans" else fonts.latin1(value)

    def para(value: str, size: float = 10.5, style: str = "", space: float = 3, align: str = "J") -> None:
        fonts.use_font(pdf, family, style, size)
        pdf.multi_cell(0, size * 0.5, text(value), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(space)

    pdf.add_page()
    para(journal, 9, space=6)
    para(title, 17, "B", 4, align="L")
    para(", ".join(authors), 11, space=6, align="L")
    para("Abstract", 11, "B", 1)
    para(abstract.replace("$", ""), 10, space=2)
    if keywords:
        para(f"Keywords: {keywords}", 9, space=6)
    for number, (heading, body) in enumerate(BODY.items(), start=1):
        para(f"{number}. {heading}", 12, "B", 2)
        for paragraph in body:
            para(paragraph.replace("{topic}", topic))
        if heading == "Results":
            if pdf.get_y() > 180:
                pdf.add_page()
            top, left, width, height = pdf.get_y(), pdf.l_margin + 10, 120, 55
            pdf.rect(left, top, width, height)
            points = [(left + 5 + i * 11, top + height - 8 - (i * 4.2) - (3 if i % 2 else 0)) for i in range(11)]
            for (x1, y1), (x2, y2) in zip(points, points[1:]):
                pdf.line(x1, y1, x2, y2)
            for x, y in points:
                pdf.rect(x - 0.8, y - 0.8, 1.6, 1.6, style="F")
            pdf.set_y(top + height + 2)
            para("Figure 1. The measured values (points) and the fitted trend (line).", 9, space=4)
            pdf.set_font(family, "B", 9.5)
            for label, width_ in (("Quantity", 60), ("Value", 40), ("Uncertainty", 40)):
                pdf.cell(width_, 7, label, border=1)
            pdf.ln(7)
            pdf.set_font(family, "", 9.5)
            for row in (("Mean", "1.62", "0.04"), ("Scale", "18.0", "1.5"), ("Samples", "48", "–")):
                for value, width_ in zip(row, (60, 40, 40)):
                    pdf.cell(width_, 7, text(value), border=1)
                pdf.ln(7)
            pdf.ln(2)
            para("Table 1. Main figures of the analysis.", 9, space=5)
    para("References", 12, "B", 2)
    for ref in ("[1] A. Author and B. Author (2021). An earlier measurement. J. Deep Space Explor. 1, 1–10.",
                "[2] C. Author (2023). A model of the process. Planet. Instrum. Lett. 2, 5–9."):
        para(ref, 9, space=1)
    return bytes(pdf.output())


def _draft(author: User, journal: Journal, coauthor: tuple, section: int, title: str, keywords: str, abstract: str):
    """A draft with its metadata and one co-author."""
    from journal.services import contributors as contributor_service
    from journal.services import drafts as draft_service

    submission = draft_service.start_submission(author, journal, section_id=journal.sections[section].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title=title, keywords=keywords, abstract=abstract)
    given, family, email, affiliation = coauthor
    contributor_service.add_contributor(author, submission, given_name=given, family_name=family, email=email,
                                        affiliation=affiliation, orcid=DEMO_TYPED_ORCIDS.get(email, ""))
    return submission


def _accepted(manager: User, author: User, journal: Journal, coauthor: tuple, section: int, title: str,
              keywords: str, abstract: str):
    """A paper accepted by the managing editor (invited for the first issues, reviewed by the board)."""
    submission = _draft(author, journal, coauthor, section, title, keywords, abstract)
    return _submit_and_accept(manager, author, submission, manuscript_title=title, competing_interests="None",
                              funding="IDSEA research grant", data_availability="Archived with the mission data.",
                              reason="Invited paper for the first volume, reviewed by the editorial board.")


def _submit_and_accept(manager: User, author: User, submission, *, manuscript_title: str | None,
                       competing_interests: str,
                       funding: str, data_availability: str, reason: str):
    """The rest of an invited paper's way, shared by both demo journals: manuscript, declarations, submission,
    and acceptance by the managing editor with the reason recorded."""
    import io

    from journal.models import DecisionKind
    from journal.services import drafts as draft_service
    from journal.services import editorial
    from journal.services import manuscripts as manuscript_service
    from journal.services import submissions as service

    if manuscript_title is not None:  # else the manuscript is there already (a compiled LaTeX source)
        manuscript_service.upload_manuscript(author, submission, io.BytesIO(demo_pdf([manuscript_title,
                                                                                      "Anonymous authors"])),
                                             "manuscript.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests=competing_interests,
                                      funding=funding, data_availability=data_availability,
                                      suggested_reviewers=[], opposed_reviewers=[])
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.submit(author, submission)
    editorial.send_to_review(manager, submission)
    editorial.decide(manager, submission, kind=DecisionKind.ACCEPT,
                     letter=editorial.default_decision_letter(submission, DecisionKind.ACCEPT), override_reason=reason)
    return submission


# The published peer review of the first article of Vol. 1 No. 1: Sara Lindqvist is named (with her ORCID iD), the
# other reviewer chose to stay anonymous; the authors agreed at submission.
SARA_ORCID = "0000-0003-2718-2812"
PUBLISHED_REVIEWS = {
    1: ("The core densities are a valuable data set and the compaction fit is convincing. Two points need work: "
        "the 2 cm slices near the top of the core were disturbed during drilling, so please say how you corrected "
        "their volume; and give the uncertainty of the scale height H, not only its value.",
        "A useful paper. The comparison with the Apollo drive tubes in the discussion is too brief: a table with "
        "their densities at the same depths would let readers judge the agreement. The exponential law should be "
        "compared with at least one alternative (a linear or a power law) before it is preferred."),
    2: ("The authors corrected the volumes of the disturbed slices and now give H = 18 ± 3 cm. The paper is ready "
        "for publication.",
        "The new table and the comparison with a power law answer my points. I recommend acceptance."),
}
AUTHORS_RESPONSE = (
    "We thank both reviewers. Reviewer 1: the top 6 cm were disturbed; we now correct their volume from the "
    "drill's stroke log (section 2.3) and give H = 18 ± 3 cm. Reviewer 2: table 2 compares our densities with the "
    "Apollo 15 and 17 drive tubes at the same depths, and section 4 fits a power law, which the data disfavour "
    "(Δχ² = 14).")


def _reviewed_twice(manager: User, author: User, journal: Journal, coauthor: tuple, section: int, title: str,
                    keywords: str, abstract: str):
    """A paper reviewed in two rounds (minor revision, then accept) whose authors and reviewers agreed to publish
    the peer review: one reviewer named with their ORCID iD, one anonymous (services/peer_review.py)."""
    import io

    from journal.models import DecisionKind
    from journal.services import drafts as draft_service
    from journal.services import editorial
    from journal.services import manuscripts as manuscript_service
    from journal.services import reviews as review_service
    from journal.services import submissions as service

    submission = _draft(author, journal, coauthor, section, title, keywords, abstract)
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(demo_pdf([title, "Anonymous authors"])),
                                         "manuscript.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None",
                                      funding="IDSEA research grant", data_availability="Archived with the mission "
                                      "data.", suggested_reviewers=[], opposed_reviewers=[],
                                      authors_agree_to_publish_reviews=True)
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.submit(author, submission)
    editor = _person("editor.ada@idsea.example")
    sara, tom = _person("reviewer.sara@idsea.example"), _person("reviewer.tom@idsea.example")
    sara.orcid = SARA_ORCID
    editorial.assign_handling_editor(manager, submission, editor.id)
    for round_number, recommendation, kind in ((1, "minor_revision", DecisionKind.MINOR_REVISION),
                                               (2, "accept", DecisionKind.ACCEPT)):
        if round_number == 2:
            manuscript_service.upload_manuscript(author, submission, io.BytesIO(demo_pdf([title, "Revised"])),
                                                 "manuscript-revised.pdf")
            if service.needs_anonymity_decision(submission):
                draft_service.confirm_anonymity(author, submission)
            service.resubmit(author, submission, response=AUTHORS_RESPONSE)
        editorial.send_to_review(editor, submission)
        for reviewer, text, named in ((sara, PUBLISHED_REVIEWS[round_number][0], True),
                                      (tom, PUBLISHED_REVIEWS[round_number][1], False)):
            assignment = _invite_and_accept(editor, submission, reviewer.email)
            review_service.save_review(reviewer, assignment, scores={"originality": 4, "significance": 4,
                                                                     "soundness": 4, "clarity": 4},
                                       recommendation=recommendation, comments_to_authors=text,
                                       confidential_comments="No concerns about the integrity of the work.",
                                       consent_to_publish=True, name_published=named)
            review_service.submit_review(reviewer, assignment)
        editorial.decide(editor, submission, kind=kind, letter=editorial.default_decision_letter(submission, kind))
    return submission


def _proofs_sent(manager: User, author: User, journal: Journal, coauthor: tuple, section: int, title: str,
                 keywords: str, abstract: str):
    """An accepted paper in production: its galley (DOI given at publication), metadata confirmed, proofs sent to
    the author. Returns (submission, article)."""
    import io

    from journal.services import production
    from journal.services import proofs as proof_service

    submission = _accepted(manager, author, journal, coauthor, section, title, keywords, abstract)
    article = production.start_production(manager, submission)
    galley = article_pdf(title=title, authors=article.current_version.author_names, abstract=abstract,
                         journal=journal.title, doi="(given at publication)", keywords=keywords)
    production.upload_galley(manager, article, io.BytesIO(galley), "galley.pdf")
    production.confirm_metadata(manager, article, **production.metadata_of(article.current_version))
    proof_service.request_proofs(manager, article)
    return submission, article


def _into_issue(manager: User, author: User, article, issue, galley: bytes, page: int) -> int:
    """Galley, confirmed metadata, proofs approved by the author, and a place in the issue from `page`; returns
    the galley's page count."""
    import io

    from journal.services import issues as issue_service
    from journal.services import production
    from journal.services import proofs as proof_service

    production.upload_galley(manager, article, io.BytesIO(galley), "galley.pdf")
    production.confirm_metadata(manager, article, **production.metadata_of(article.current_version))
    proof_service.request_proofs(manager, article)
    proof_service.approve_proofs(author, article)
    pages = article.current_version.galley.page_count
    issue_service.schedule_article(manager, article, issue_id=issue.id, first_page=page, last_page=page + pages - 1)
    return pages


def seed_issues() -> list[str]:
    """Two published issues of JDSE (Vol. 1 No. 1 and No. 2, 2026) with generated galleys, through the production
    and issue services, and one article whose proofs are with the author."""
    from sqlalchemy import select

    from journal.scholarly.doi import make_doi
    from journal.services import issues as issue_service
    from journal.services import production

    jdse = db.session.scalar(select(Journal).where(Journal.slug == "jdse"))
    manager = _person("managing.editor@idsea.example")
    made, papers, number = [], iter(PUBLISHED_PAPERS), 0
    for volume, issue_number, count in ISSUES:
        issue = issue_service.create_issue(manager, jdse, volume=volume, number=issue_number, year=2026,
                                           title="Inaugural issue" if issue_number == 1 else "")
        page = 1
        for email, coauthor, section, title, keywords, abstract in [next(papers) for _ in range(count)]:
            author = _person(email)
            if number == 0:  # the first article: two rounds of review, published with the article
                submission = _reviewed_twice(manager, author, jdse, coauthor, section, title, keywords, abstract)
            else:
                submission = _accepted(manager, author, jdse, coauthor, section, title, keywords, abstract)
            article = production.start_production(manager, submission)
            number += 1  # the DOI the issue will give (registered ahead, as production editors do)
            doi = make_doi(jdse.doi_prefix, jdse.doi_pattern, slug=jdse.slug, year=2026, volume=volume,
                           issue=issue_number, number=number, reference=submission.reference.lower(),
                           article=article.id)
            galley = article_pdf(title=title, authors=article.current_version.author_names, abstract=abstract,
                                 journal=jdse.title, doi=doi, first_page=page, keywords=keywords)
            page += _into_issue(manager, author, article, issue, galley, page)
        for article in issue_service.publish_issue(manager, issue):
            made.append(f"{article.submission.display_reference}: published in {issue.label}, DOI {article.doi}")
    email, coauthor, section, title, keywords, abstract = IN_PRODUCTION_PAPER
    submission, _article = _proofs_sent(manager, _person(email), jdse, coauthor, section, title, keywords, abstract)
    made.append(f"{submission.display_reference}: in production, proofs with the author")
    return made


# --- a bilingual issue of 深空探测学报 ------------------------------------------------------------------------

BILINGUAL_PAPERS = [
    # (co-author (given, family, native name, email, affiliation, affiliation in Chinese),
    #  Chinese title, English title, Chinese keywords, English keywords, Chinese abstract, English abstract)
    (("Wei", "Li", "李伟", "li.wei@idsea.example", "National Space Science Center, Chinese Academy of Sciences",
      "中国科学院国家空间科学中心"),
     "嫦娥五号月球样品的热导率测量", "Thermal conductivity of the Chang'e-5 lunar samples",
     "月球样品，热导率，月壤", "lunar samples, thermal conductivity, regolith",
     "我们在真空中测量了嫦娥五号月球样品的热导率。在100至350 K之间，样品的热导率随温度升高而增大，与月壤的颗粒"
     "大小和孔隙率一致。结果为月球表面的热流模型提供了新的约束。",
     "We measured the thermal conductivity of the Chang'e-5 lunar samples in vacuum. Between 100 and 350 K it "
     "rises with temperature, consistent with the grain size and porosity of the regolith. The results give new "
     "constraints for models of the heat flow at the lunar surface."),
    (("Fang", "Wang", "王芳", "wang.fang@idsea.example", "University of Science and Technology of China",
      "中国科学技术大学"),
     "天问一号着陆区的沙丘形态", "Dune morphology at the Tianwen-1 landing site",
     "火星，沙丘，祝融号", "Mars, dunes, Zhurong",
     "利用祝融号火星车的导航相机图像，我们测量了乌托邦平原南部着陆区内42个横向沙丘的高度和间距。沙丘的形态表明，"
     "它们形成于较早的气候时期，目前已基本停止活动。",
     "From the navigation camera images of the Zhurong rover we measured the height and spacing of 42 transverse "
     "dunes in the landing area in southern Utopia Planitia. Their shape shows that they formed in an earlier "
     "climate and are now largely inactive."),
    (("Ming", "Zhang", "张明", "zhang.ming@idsea.example", "National Space Science Center, Chinese Academy of "
      "Sciences", "中国科学院国家空间科学中心"),
     "太阳风与月球磁异常区的相互作用", "The solar wind's interaction with lunar magnetic anomalies",
     "太阳风，磁异常，嫦娥四号", "solar wind, magnetic anomalies, Chang'e-4",
     "嫦娥四号中性原子探测仪在月球背面观测到被磁异常区反射的太阳风离子。反射率在磁异常中心最高，可达百分之二十，"
     "表明存在微型磁层。",
     "The neutral atom detector of Chang'e-4 observed solar wind ions reflected by magnetic anomalies on the lunar "
     "far side. The reflection is strongest at the centre of the anomalies, up to 20 per cent, which points to "
     "mini-magnetospheres."),
]


def seed_bilingual_issue() -> list[str]:
    """Vol. 1 No. 1 (2026) of 深空探测学报: three papers written in Chinese with their English title, abstract and
    keywords, authors' names in Chinese characters beside their Latin form, through the same services as JDSE's."""

    from sqlalchemy import select

    from journal.scholarly.doi import make_doi
    from journal.services import contributors as contributor_service
    from journal.services import drafts as draft_service
    from journal.services import issues as issue_service
    from journal.services import production

    cjdse = db.session.scalar(select(Journal).where(Journal.slug == "cjdse"))
    manager = _person("managing.editor@idsea.example")
    author = _person("author.mei@idsea.example")
    issue = issue_service.create_issue(manager, cjdse, volume=1, number=1, year=2026, title="创刊号")
    page, made = 1, []
    for number, (coauthor, title, english_title, keywords, english_keywords, abstract, english_abstract) in \
            enumerate(BILINGUAL_PAPERS, start=1):
        given, family, native, email, affiliation, chinese_affiliation = coauthor
        submission = draft_service.start_submission(author, cjdse, section_id=cjdse.sections[0].id,
                                                    checklist_confirmed=True)
        draft_service.update_metadata(author, submission, title=title, abstract=abstract, keywords=keywords,
                                      language="zh", translated_language="en", translated_title=english_title,
                                      translated_abstract=english_abstract, translated_keywords=english_keywords)
        me = submission.contributors[0]
        contributor_service.update_contributor(author, submission, me.id, given_name=me.given_name,
                                               family_name=me.family_name, email=me.email,
                                               affiliation=me.affiliation, country=me.country, native_name="陈梅",
                                               translated_affiliation="中国科学技术大学")
        contributor_service.add_contributor(author, submission, given_name=given, family_name=family, email=email,
                                            affiliation=affiliation, country="CN", native_name=native,
                                            translated_affiliation=chinese_affiliation, mail_language="zh")
        _submit_and_accept(manager, author, submission, manuscript_title=english_title, competing_interests="无",
                           funding="国际深空探测学会研究基金", data_availability="数据随任务数据存档。",
                           reason="创刊号特邀论文，由编委会审阅。")
        article = production.start_production(manager, submission)
        doi = make_doi(cjdse.doi_prefix, cjdse.doi_pattern, slug=cjdse.slug, year=2026, volume=1, issue=1,
                       number=number, reference=submission.reference.lower(), article=article.id)
        galley = article_pdf(title=title, authors=[f"{c['native_name']} ({c['given_name']} {c['family_name']})"
                                                   for c in article.current_version.contributors],
                             abstract=f"{abstract}\n\n{english_title}. {english_abstract}", journal=cjdse.title,
                             doi=doi, first_page=page, keywords=keywords)
        page += _into_issue(manager, author, article, issue, galley, page)
    for article in issue_service.publish_issue(manager, issue):
        made.append(f"{article.submission.display_reference}: published in {cjdse.title} {issue.label}, "
                    f"DOI {article.doi}")
    return made


# The demo's personal access token for the JSON API: Elena Petrova's, whose paper awaits her revision, so that the
# API's reads and its revision upload can be tried at once (README "API").
DEMO_TOKEN_OWNER = "author.elena@idsea.example"
DEMO_TOKEN_NAME = "Demo token (printed by make run)"


def demo_api_token() -> tuple[str, str] | None:
    """A new read-and-write token for the demo author, valid 30 days, and the author's name; the demo tokens made
    before are revoked (their secrets were printed once and never stored). None where the demo author is absent."""
    from sqlalchemy import select

    from journal.services import api_tokens

    owner = db.session.scalar(select(User).where(User.email == DEMO_TOKEN_OWNER))
    if owner is None:
        return None
    for token in api_tokens.tokens_of(owner):
        if token.name == DEMO_TOKEN_NAME:
            api_tokens.revoke_token(owner, token.id)
    _token, secret = api_tokens.create_token(owner, name=DEMO_TOKEN_NAME, scope="write", days=30)
    return secret, owner.full_name
