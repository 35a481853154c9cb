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
        licence="CC-BY-4.0",
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
