"""Uploads, whichever form they come from (manuscripts, supplements, response letters, review attachments,
galleys): the size limit of one file, the copy to a temporary file in bounded memory, and the limits and slots of
the PDF check's sandbox."""

import tempfile
import threading
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _

from journal.services.errors import TooLarge

# Each PDF check may use up to PDF_MEMORY_MB in its own process: at most two at once per app process.
pdf_slots = threading.BoundedSemaphore(2)


def file_limit() -> int:
    """Largest single file, below the request limit, so that a too-large file is refused on the form
    (with everything else kept) rather than by the server's 413 page."""
    config = current_app.config
    return min(config["UPLOAD_FILE_MAX_MB"] * 1024 * 1024, config["MAX_CONTENT_LENGTH"])


def pdf_limits() -> dict:
    config = current_app.config
    return {"max_bytes": file_limit(), "memory_limit": config["PDF_MEMORY_MB"] * 1024 * 1024,
            "time_limit": config["PDF_SECONDS"]}


def spool(stream: BinaryIO, limit: int, field: str = "manuscript"):
    """Copy an upload to a temporary file in bounded memory, refusing it past the limit."""
    spooled = tempfile.TemporaryFile()
    size = 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise TooLarge(_("The file is larger than the limit of %(megabytes)s MB. Make it smaller (for example "
                                "compress its images) and upload it again.", megabytes=limit // (1024 * 1024)), field)
        spooled.write(chunk)
    spooled.seek(0)
    return spooled
