"""A paper through the author's wizard and submitted, as the services take it: the builder the peer-review tests
share (metadata, one co-author, a one-page manuscript, declarations with suggested and opposed reviewers)."""

import io

from journal.services import contributors as contributor_service
from journal.services import drafts as draft_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as submission_service
from tests.data.pdf.make_samples import text_page_pdf


def submit_paper(author, journal, *, title="Regolith heat flow", keywords="moon",
                 abstract="Heat flow through the lunar regolith over three lunar nights.",
                 coauthor: dict | None = None, suggested=(), opposed=()):
    """`coauthor`: the contributor's fields (given_name, family_name, email, affiliation), or None for none."""
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title=title, keywords=keywords, abstract=abstract)
    if coauthor:
        contributor_service.add_contributor(author, submission, **coauthor)
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(text_page_pdf([["Regolith heat flow"]])),
                                         "m.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None",
                                      funding="None", data_availability="On request.",
                                      suggested_reviewers=list(suggested), opposed_reviewers=list(opposed))
    submission_service.submit(author, submission)
    return submission
