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
    # (author email, title, keywords, status)
    ("author.mei@idsea.example", "Thermal inertia of the lunar regolith at the Chang'e-6 landing site",
     "lunar regolith, thermal inertia, Chang'e-6", "draft"),
    ("author.john@idsea.example", "A 6U CubeSat radio beacon for cislunar navigation",
     "cubesats, navigation, cislunar space", "submitted"),
    ("author.elena@idsea.example", "Sulfuric acid cloud variability from Venus Express limb spectra",
     "venus, clouds, spectroscopy", "revision_requested"),
]


def seed_submissions() -> list[str]:
    """Demo submissions in draft, submitted and revision-requested states, made through the services."""
    import io

    from sqlalchemy import select

    from journal.models import SubmissionStatus
    from journal.services import submissions as service
    from journal.workflow import transition

    jdse = db.session.scalar(select(Journal).where(Journal.slug == "jdse"))
    manager = db.session.scalar(select(User).where(User.email == "managing.editor@idsea.example"))
    made = []
    for email, title, keywords, status in DEMO_PAPERS:
        author = db.session.scalar(select(User).where(User.email == email))
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
        if status != "draft":
            service.submit(author, submission)
        if status == "revision_requested":
            transition(manager, submission, "send_to_review")
            transition(manager, submission, "decide", target=SubmissionStatus.REVISION_REQUESTED)
            db.session.commit()
        made.append(f"{submission.display_reference}: {status}")
    return made
