"""A small original AASTeX paper for the LaTeX engine's tests, and its figure drawn here as a PDF.

journal/data/demo_latex/ holds the same paper for the demo seed (main.tex, refs.bib, lightcurve.pdf made by
`lightcurve_pdf()`): `python -c "from tests.latex_paper import lightcurve_pdf; ..."` remakes the figure."""

from __future__ import annotations

import math
import shutil
from datetime import datetime, timezone
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "journal" / "data" / "demo_latex"
AUTHORS = ("Ada Quill", "Bram Marsh")


def lightcurve_pdf() -> bytes:
    """A folded light curve with a transit dip: axes, ticks and 200 points, as a one-page vector PDF."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(360, 220))
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=timezone.utc))  # the same figure every time
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    left, right, top, bottom = 50, 345, 15, 185
    pdf.set_draw_color(0, 0, 0)
    pdf.rect(left, top, right - left, bottom - top)
    low, high = 0.988, 1.004

    def y(flux: float) -> float:
        return bottom - (flux - low) / (high - low) * (bottom - top)

    def x(phase: float) -> float:
        return left + (phase + 0.5) * (right - left)

    for tick in (0.99, 0.995, 1.0):
        pdf.line(left, y(tick), left + 4, y(tick))
        pdf.text(left - 32, y(tick) + 3, f"{tick:.3f}")
    for tick in (-0.4, -0.2, 0.0, 0.2, 0.4):
        pdf.line(x(tick), bottom, x(tick), bottom - 4)
        pdf.text(x(tick) - 8, bottom + 12, f"{tick:+.1f}")
    pdf.text((left + right) / 2 - 12, bottom + 26, "Phase")
    pdf.set_fill_color(30, 60, 150)
    for i in range(200):
        phase = -0.5 + i / 199
        flux = 1.0 - (0.008 if abs(phase) < 0.013 else 0.0) + 0.0012 * math.sin(i * 12.9898) * math.cos(i * 4.1)
        pdf.circle(x(phase), y(flux), 1.6, style="F")
    return bytes(pdf.output())


def write_paper(folder: Path) -> list[str]:
    """The demo paper's files (main.tex, refs.bib) with its figure drawn now; their names."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("main.tex", "refs.bib"):
        shutil.copyfile(DEMO / name, folder / name)
    (folder / "lightcurve.pdf").write_bytes(lightcurve_pdf())
    return ["lightcurve.pdf", "main.tex", "refs.bib"]
