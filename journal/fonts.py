"""Fonts for the PDFs the system writes (review certificates, the demo's galleys), from the system's packages.

A PDF shows only the letters its embedded fonts hold. DejaVu Sans (Debian fonts-dejavu-core) covers Latin,
Cyrillic, Greek and Arabic; Droid Sans Fallback (fonts-droid-fallback) covers Chinese, Japanese and Korean and is
the fallback for every character DejaVu lacks. fpdf2 embeds only the glyphs used (subsetting). With uharfbuzz,
Arabic is shaped (joined letters) and laid out right to left. `make run` and `make test` install the fonts.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

SANS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)
CJK = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
)


def _first(paths) -> str | None:
    return next((p for p in paths if Path(p).is_file()), None)


def sans_files() -> tuple[str, str] | None:
    return next(((r, b) for r, b in SANS if Path(r).is_file() and Path(b).is_file()), None)


def cjk_file() -> str | None:
    return _first(CJK)


def shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def set_up(pdf) -> str:
    """Give an fpdf2 document the Unicode fonts found here; returns the family to use ("Helvetica" when none is
    installed: then `latin1` must be applied to text)."""
    sans = sans_files()
    if sans is None:
        return "Helvetica"
    pdf.add_font("Sans", "", sans[0])
    pdf.add_font("Sans", "B", sans[1])
    cjk = cjk_file()
    if cjk is not None:
        pdf.add_font("CJK", "", cjk)
        pdf.set_fallback_fonts(["CJK"], exact_match=False)
    if shaping_available():
        pdf.set_text_shaping(True)
    return "Sans"


def use_font(pdf, family: str, style: str, size: float) -> None:
    """Set the font for the next paragraph. fpdf2 writes the font of a line that needs the fallback inside a saved
    graphics state (q … Q), so after such a line the PDF has lost the font fpdf2 believes current, and the next
    line would be drawn with none ("No font in show"); setting another size first makes fpdf2 write the font
    again, outside that state."""
    pdf.set_font(family, style, size + 1)
    pdf.set_font(family, style, size)


def latin1(value: str) -> str:
    """For the built-in Helvetica: what Latin-1 cannot hold becomes '?'."""
    folded = unicodedata.normalize("NFKC", value).replace("\u2013", "-").replace("\u201c", '"') \
        .replace("\u201d", '"').replace("\u2019", "'")
    return folded.encode("latin-1", "replace").decode("latin-1")
