"""What the browser suite needs, and why it cannot run where something is missing (read by tests/conftest.py
for the report's header and closing lines, and by tests/e2e/conftest.py to skip)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_JS = Path(os.environ.get("E2E_AXE_JS", ROOT / ".cache" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"))
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "tests" / "e2e" / "artifacts"))
DEMO_PASSWORD = "deep-space-demo"
STARTUP_SECONDS = 60


def missing_requirement() -> str | None:
    """Why the browser suite cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the `playwright` package is not installed (pip install -e '.[browser]'; `make test` does it)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"Chromium is not at {CHROMIUM} ('apt-get install -y chromium' failed or was not run; "
                "`make test` runs it; set CHROMIUM to use another binary)")
    if not AXE_JS.is_file():
        return (f"axe-core is not at {AXE_JS} ('npm install --prefix .cache/e2e axe-core' failed or was not run; "
                "`make test` runs it; set E2E_AXE_JS to use another copy)")
    if not (BIN / "gunicorn").is_file():
        return f"gunicorn is not installed next to {sys.executable}"
    return None


MISSING = missing_requirement()
SKIP_BANNER = f"*** BROWSER TESTS SKIPPED: {MISSING} ***" if MISSING else None
