"""Review certificates: a one-page PDF naming the reviewer, the journal and the dates of their reviews.

Written with fpdf2. A certificate says what journal/services/credit.py allows: the paper's title only where the
credit names it (open journals, with the reviewer's consent), never in the anonymous modes.
"""

import unicodedata
from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from journal.models import User
from journal.services.credit import CreditGroup

# A Unicode font, so that every reviewer's name prints as written; where none is installed, the PDF's built-in
# Helvetica is used and letters outside Latin-1 are replaced (Debian: `apt-get install fonts-dejavu-core`).
FONT_FILES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


class _Certificate(FPDF):
    def __init__(self):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(25, 30, 25)
        self.set_auto_page_break(auto=True, margin=25)
        self.family = "Helvetica"
        self.unicode = False
        for regular, bold in FONT_FILES:
            if Path(regular).is_file() and Path(bold).is_file():
                self.add_font("Sans", "", regular)
                self.add_font("Sans", "B", bold)
                self.family, self.unicode = "Sans", True
                break

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        folded = unicodedata.normalize("NFKC", value).replace("\u2013", "-").replace("\u201c", '"') \
            .replace("\u201d", '"').replace("\u2019", "'")
        return folded.encode("latin-1", "replace").decode("latin-1")

    def paragraph(self, value: str, *, size: float = 12, bold: bool = False, space: float = 4,
                  align: str = "C") -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.text_of(value), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(space)


def review_certificate(reviewer: User, credit: CreditGroup, *, issued: date) -> bytes:
    """The certificate for one journal-year (or one review): who reviewed, for which journal, when."""
    journal = credit.journal
    pdf = _Certificate()
    pdf.set_title(f"Certificate of peer review - {journal.title}, {credit.year}")
    pdf.set_author(journal.publisher or journal.title)
    pdf.set_creator(journal.title)
    pdf.add_page()

    pdf.paragraph(journal.title, size=16, bold=True, space=2)
    issns = ", ".join(f"ISSN {v} ({k})" for k, v in (("print", journal.issn_print), ("online", journal.issn_online))
                      if v)
    if journal.publisher or issns:
        pdf.paragraph(" · ".join(p for p in (journal.publisher, issns) if p), size=10, space=2)
    pdf.ln(14)
    pdf.paragraph("Certificate of peer review", size=22, bold=True, space=12)
    pdf.paragraph("This certifies that", size=12)
    pdf.paragraph(reviewer.full_name, size=20, bold=True, space=2)
    if reviewer.affiliation:
        pdf.paragraph(reviewer.affiliation, size=11, space=2)
    pdf.ln(6)
    count = credit.count
    if count == 1:
        pdf.paragraph(f"reviewed a manuscript for {journal.title} in {credit.year}.", size=12, space=10)
    else:
        pdf.paragraph(f"reviewed {count} manuscripts for {journal.title} in {credit.year}.", size=12, space=10)

    pdf.paragraph("Reviews submitted on", size=12, bold=True, space=2, align="L")
    for review in sorted(credit.reviews, key=lambda r: r.submitted_at):
        entry = _long_date(review.submitted_at.date())
        if review.title:
            entry += f": \u201c{review.title}\u201d"
            if review.round > 1:
                entry += f" (round {review.round})"
        pdf.paragraph(f"\u2013 {entry}", size=11, space=1, align="L")
    pdf.ln(10)
    pdf.paragraph(f"The editors of {journal.title} thank the reviewer for the time and expertise given to the "
                  "journal's peer review.", size=11, space=10, align="L")
    pdf.paragraph(f"Issued on {_long_date(issued)} by the editorial office of {journal.title}.", size=10, align="L")
    return bytes(pdf.output())
