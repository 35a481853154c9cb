"""The demo installation that `make run` shows on a fresh machine."""

from journal.extensions import db
from journal.models import Journal, Membership, ReviewMode, Role, Section, User, utcnow
from journal.services.accounts import hash_password

DEMO_PASSWORD = "deep-space-demo"

JDSE_DESCRIPTION = (
    "The Journal of Deep Space Exploration publishes peer-reviewed research on missions beyond Earth orbit: "
    "spacecraft and instruments, planetary science, heliophysics, astrodynamics and the data they return. "
    "It is the flagship journal of the International Deep Space Exploration Association and is open to "
    "researchers of every country."
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
]


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
        licence="CC-BY-4.0", page_limit=40,
        sections=[Section(title=t, position=i) for i, t in
                  enumerate(["Research Article", "Review", "Letter", "Mission Report"])],
    )
    pil = Journal(
        slug="pil", title="Planetary Instruments Letters", abbreviation="Planet. Instrum. Lett.",
        reference_prefix="PIL", description="Short papers on instruments for planetary missions: design, "
        "calibration and first light.", publisher="International Deep Space Exploration Association",
        review_mode=ReviewMode.SINGLE_ANONYMOUS, review_days=21, reviews_required=1,
        sections=[Section(title="Letter", position=0), Section(title="Instrument Note", position=1)],
    )
    db.session.add_all([jdse, pil])
    printed = []
    for email, given, family, affiliation, country, role, keywords in PEOPLE:
        user = User(email=email, password_hash=password_hash, given_name=given, family_name=family,
                    affiliation=affiliation, country=country, expertise_keywords=keywords,
                    email_verified_at=utcnow(), is_platform_admin=role == "admin")
        db.session.add(user)
        if isinstance(role, Role):
            db.session.add(Membership(user=user, journal=jdse, role=role))
        printed.append(("Platform admin" if role == "admin" else (role.label if role else "Author"), email))
    db.session.commit()
    return printed


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
    from journal.services import reviews as review_service

    _assignment, token = review_service.invite_reviewer(editor, submission, user_id=_person(reviewer_email).id)
    return review_service.accept_invitation(token)


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
    from journal.services import editorial
    from journal.services import reviews as review_service
    from journal.services import submissions as service

    jdse = db.session.scalar(select(Journal).where(Journal.slug == "jdse"))
    manager = _person("managing.editor@idsea.example")
    ada, marco = _person("editor.ada@idsea.example"), _person("editor.marco@idsea.example")
    made = []
    for email, title, keywords, state in DEMO_PAPERS:
        author = _person(email)
        submission = service.start_submission(author, jdse, section_id=jdse.sections[0].id, checklist_confirmed=True)
        service.update_metadata(
            author, submission, title=title, keywords=keywords,
            abstract=f"We present {title[0].lower()}{title[1:]}. The energy balance $E = \\sigma T^4$ and the "
                     "observations of three seasons constrain the model.",
        )
        service.upload_manuscript(author, submission, io.BytesIO(demo_pdf([title, "Anonymous authors", "1. Introduction"])),
                                  "manuscript.pdf")
        service.update_declarations(author, submission, cover_letter="", competing_interests="None",
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
            review_service.invite_reviewer(ada, submission, user_id=_person("reviewer.kenji@idsea.example").id)
            _assignment, token = review_service.invite_reviewer(ada, submission,
                                                                user_id=_person("reviewer.tom@idsea.example").id)
            review_service.decline_invitation(token, reason="On a field campaign until March.",
                                              alternatives="Diego Ferreira knows the Yutu-2 data well.")
        elif state == "reviewed":
            _reviewed(manager, marco, submission, [("reviewer.tom@idsea.example", "minor_revision"),
                                                   ("reviewer.diego@idsea.example", "accept")])
        elif state == "accepted":
            _reviewed(manager, marco, submission, [("reviewer.sara@idsea.example", "minor_revision"),
                                                   ("reviewer.diego@idsea.example", "minor_revision")])
            editorial.decide(marco, submission, kind=DecisionKind.MINOR_REVISION,
                             letter=editorial.default_decision_letter(submission, DecisionKind.MINOR_REVISION))
            service.upload_manuscript(author, submission, io.BytesIO(demo_pdf([title, "Anonymous authors",
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
    return made
