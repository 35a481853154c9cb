"""The JSON API against its own served OpenAPI document, with Schemathesis (issue 18): every operation, with data
that fits the document (positive) and data that does not (negative), sent in-process to the WSGI app, with a
write token of an author and no token at all. Each answer must be what the document says: its status documented,
its body valid against the operation's schema (or a problem, RFC 9457), no server error, and invalid data refused
with a 4xx. A world with a published article, a submitted paper and the token owner's paper in revision gives the
generated ids something to find (and the uploads a PDF check to fail)."""

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed: `make install-test`")
from schemathesis import GenerationMode  # noqa: E402

from journal.extensions import db  # noqa: E402
from journal.models import Role, SubmissionStatus  # noqa: E402
from journal.search import reindex_all  # noqa: E402
from journal.services import api_tokens  # noqa: E402
from tests.papers import submit_paper  # noqa: E402
from tests.published import make_article, make_issue  # noqa: E402


@pytest.fixture
def world(app, make_journal, make_user):
    journal = make_journal("jdse", title="Journal of Deep Space Exploration", doi_prefix="10.9999")
    author = make_user(given_name="Mei", family_name="Chen", roles={journal: Role.MANAGING_EDITOR})
    issue = make_issue(journal)
    for n in range(3):
        make_article(journal, author, issue=issue, title=f"Regolith paper {n}")
    submit_paper(make_user(), journal)
    revising = submit_paper(author, journal)  # the token's own paper in revision: the writes reach the services
    revising.status = SubmissionStatus.REVISION_REQUESTED
    reindex_all()
    db.session.commit()
    return api_tokens.create_token(author, name="schemathesis", scope="write", days=7)[1]


@pytest.fixture
def api_schema(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=25,
                                    deterministic=True, database="none")
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")
# Schemathesis's WSGI transport asks for gzip and does not decode it: the answers uncompressed (Flask-Compress is
# tested on its own).
PLAIN = {"Accept-Encoding": "identity"}


@schema.parametrize()
def test_every_operation_answers_as_its_document_says(case, world):
    case.call_and_validate(headers={"Authorization": f"Bearer {world}", **PLAIN})


@schema.parametrize()
def test_every_operation_without_a_token_answers_as_its_document_says(case):
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(headers=PLAIN)
