"""Review certificates: a one-page PDF naming the reviewer, the journal and the dates of their reviews.

Written with fpdf2. A certificate says what journal/services/credit.py allows: the paper's title only where the
credit names it (open journals, with the reviewer's consent), never in the anonymous modes.
"""

from datetime import date

from babel import dates
from flask_babel import get_locale, gettext as _, ngettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from journal import fonts
from journal.i18n import current
from journal.models import User
from journal.services.credit import CreditGroup


def _long_date(value: date) -> str:
    """The long date in the certificate's language (CLDR): 14 February 2026, 2026年2月14日, 14 février 2026."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        locale = "en_GB"  # the day before the month, as the journal writes English dates
    return dates.format_date(value, "long", locale=locale)


class _Certificate(FPDF):
    """A4 with the Unicode fonts of journal/fonts.py (Latin, Cyrillic, Arabic shaped, Chinese by fallback), so that
    every reviewer's name and every language prints as written; where none is installed, the PDF's built-in
    Helvetica is used and letters outside Latin-1 are replaced (Debian: `apt-get install fonts-dejavu-core`)."""

    def __init__(self):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(25, 30, 25)
        self.set_auto_page_break(auto=True, margin=25)
        self.family = fonts.set_up(self)
        self.unicode = self.family != "Helvetica"
        self.rtl = current().rtl  # Arabic: the left-aligned paragraphs start on the right

    def text_of(self, value: str) -> str:
        return value if self.unicode else fonts.latin1(value)

    def paragraph(self, value: str, *, size: float = 12, bold: bool = False, space: float = 4,
                  align: str = "C") -> None:
        fonts.use_font(self, self.family, "B" if bold else "", size)
        if self.rtl and align == "L":
            align = "R"
        self.multi_cell(0, size * 0.5, self.text_of(value), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(space)


def review_certificate(reviewer: User, credit: CreditGroup, *, issued: date) -> bytes:
    """The certificate for one journal-year (or one review): who reviewed, for which journal, when."""
    journal = credit.journal
    pdf = _Certificate()
    pdf.set_title(_("Certificate of peer review - %(journal)s, %(year)s", journal=journal.title, year=credit.year))
    pdf.set_author(journal.publisher or journal.title)
    pdf.set_creator(journal.title)
    pdf.add_page()

    pdf.paragraph(journal.title, size=16, bold=True, space=2)
    issns = ([_("ISSN %(issn)s (print)", issn=journal.issn_print)] if journal.issn_print else []) \
        + ([_("ISSN %(issn)s (online)", issn=journal.issn_online)] if journal.issn_online else [])
    issns = ", ".join(issns)
    if journal.publisher or issns:
        pdf.paragraph(" · ".join(p for p in (journal.publisher, issns) if p), size=10, space=2)
    pdf.ln(14)
    pdf.paragraph(_("Certificate of peer review"), size=22, bold=True, space=12)
    pdf.paragraph(_("This certifies that"), size=12)
    pdf.paragraph(reviewer.full_name, size=20, bold=True, space=2)
    if reviewer.affiliation:
        pdf.paragraph(reviewer.affiliation, size=11, space=2)
    pdf.ln(6)
    pdf.paragraph(ngettext("reviewed %(num)d manuscript for %(journal)s in %(year)s.",
                           "reviewed %(num)d manuscripts for %(journal)s in %(year)s.", credit.count,
                           journal=journal.title, year=credit.year), size=12, space=10)

    pdf.paragraph(_("Reviews submitted on"), size=12, bold=True, space=2, align="L")
    for review in sorted(credit.reviews, key=lambda r: r.submitted_at):
        entry = _long_date(review.submitted_at.date())
        if review.title and review.round > 1:
            entry = _("%(date)s: \u201c%(title)s\u201d (round %(round)s)", date=entry, title=review.title,
                      round=review.round)
        elif review.title:
            entry = _("%(date)s: \u201c%(title)s\u201d", date=entry, title=review.title)
        pdf.paragraph(f"\u2013 {entry}", size=11, space=1, align="L")
    pdf.ln(10)
    pdf.paragraph(_("The editors of %(journal)s thank the reviewer for the time and expertise given to the "
                    "journal's peer review.", journal=journal.title), size=11, space=10, align="L")
    pdf.paragraph(_("Issued on %(date)s by the editorial office of %(journal)s.", date=_long_date(issued),
                    journal=journal.title), size=10, align="L")
    return bytes(pdf.output())
