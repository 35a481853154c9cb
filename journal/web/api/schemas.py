"""The API's shapes, as marshmallow schemas: they document the OpenAPI 3.1 document (flask-smorest builds it from
them) and check the query arguments. The views build the same shapes as plain dicts (journal/web/api/shapes.py);
tests/test_api_schema.py holds the two together, answer by answer, with Schemathesis."""

from marshmallow import RAISE, Schema, fields, validate

from journal.models.api_tokens import SCOPES

MAX_LIMIT = 100


class Strict(Schema):
    class Meta:
        ordered = True


# --- query arguments ----------------------------------------------------------------------------------------------
# An argument the route does not know is refused (422), not ignored: a typo does not silently change the answer,
# and made-up arguments do not fill the page cache with copies of the same answer.

QUERY = {"location": "query", "as_kwargs": True, "unknown": RAISE}  # webargs would drop unknown query arguments


class Arguments(Strict):
    class Meta:
        ordered = True
        unknown = RAISE

class PageArgs(Arguments):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": "How many items a page holds (1–100)."})
    after = fields.Integer(load_default=0, validate=validate.Range(0, 2**31 - 1),
                           metadata={"description": "Keyset pagination: the `id` of the last item of the previous "
                                                    "page (its `next` link gives it). Omitted: the first page."})


class SearchArgs(Arguments):
    q = fields.String(required=True, validate=validate.Length(1, 500),
                      metadata={"description": "The words to look for (title, abstract, keywords, authors)."})
    journal = fields.String(validate=validate.Length(1, 40),
                            metadata={"description": "A journal's slug, to search that journal only."})
    year = fields.Integer(validate=validate.Range(1900, 2200))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 1000),
                          metadata={"description": "Results are ranked, so they are paged by number."})


class QueueArgs(Arguments):
    status = fields.String(load_default="active", validate=validate.Length(1, 40),
                           metadata={"description": "active, all, production or one status."})
    needs_action = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100000))


class ResponseDraftBody(Arguments):
    response = fields.String(required=True, validate=validate.Length(0, 50000),
                             metadata={"description": "The response to the reviewers, kept until resubmission."})


# --- answers ------------------------------------------------------------------------------------------------------

class Problem(Strict):
    """RFC 9457 problem details."""
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(allow_none=True)
    instance = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Per argument, what is wrong with it (422 only)."})


class Link(Strict):
    next = fields.String(allow_none=True, required=True, metadata={"description": "The next page, or null."})


class Journal(Strict):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    abbreviation = fields.String(required=True)
    description = fields.String(required=True)
    publisher = fields.String(required=True)
    issn_print = fields.String(allow_none=True, required=True)
    issn_online = fields.String(allow_none=True, required=True)
    licence = fields.String(required=True)
    review_mode = fields.String(required=True)
    accepting_submissions = fields.Boolean(required=True)
    url = fields.String(required=True)


class JournalList(Link):
    items = fields.List(fields.Nested(Journal), required=True)


class IssueRef(Strict):
    id = fields.Integer(required=True)
    volume = fields.Integer(required=True)
    number = fields.Integer(required=True)
    year = fields.Integer(required=True)
    label = fields.String(required=True)


class Issue(IssueRef):
    title = fields.String(required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    articles = fields.Integer(required=True, metadata={"description": "How many articles it holds."})
    url = fields.String(required=True)


class IssueList(Link):
    items = fields.List(fields.Nested(Issue), required=True)


class Author(Strict):
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    orcid = fields.String(allow_none=True, required=True)
    orcid_url = fields.String(allow_none=True, required=True)
    affiliation = fields.String(required=True)
    country = fields.String(required=True)
    corresponding = fields.Boolean(required=True)


class Version(Strict):
    number = fields.Integer(required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    change_note = fields.String(required=True)
    licence = fields.String(required=True)
    url = fields.String(required=True)


class Counts(Strict):
    views = fields.Integer(required=True, metadata={"description": "COUNTER R5 Total_Item_Investigations."})
    downloads = fields.Integer(required=True, metadata={"description": "COUNTER R5 Total_Item_Requests."})


class Article(Strict):
    id = fields.Integer(required=True)
    journal = fields.String(required=True, metadata={"description": "The journal's slug."})
    title = fields.String(required=True)
    abstract = fields.String(required=True)
    keywords = fields.List(fields.String(), required=True)
    language = fields.String(required=True)
    authors = fields.List(fields.Nested(Author), required=True)
    doi = fields.String(allow_none=True, required=True)
    doi_url = fields.String(allow_none=True, required=True)
    licence = fields.String(required=True)
    licence_url = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"description": "published or retracted."})
    published_at = fields.DateTime(allow_none=True, required=True)
    retracted_at = fields.DateTime(allow_none=True, required=True)
    retraction_notice = fields.String(required=True)
    issue = fields.Nested(IssueRef, allow_none=True, required=True)
    section = fields.String(allow_none=True, required=True)
    pages = fields.String(required=True)
    article_number = fields.String(allow_none=True, required=True)
    version = fields.Integer(required=True, metadata={"description": "The current version's number."})
    versions = fields.List(fields.Nested(Version), required=True)
    counts = fields.Nested(Counts, required=True)
    url = fields.String(required=True)


class ArticleList(Link):
    items = fields.List(fields.Nested(Article), required=True)


class SearchHit(Strict):
    id = fields.Integer(required=True)
    journal = fields.String(required=True)
    title = fields.String(required=True)
    doi = fields.String(allow_none=True, required=True)
    retracted = fields.Boolean(required=True)
    url = fields.String(required=True)
    api_url = fields.String(required=True)


class SearchResults(Strict):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    items = fields.List(fields.Nested(SearchHit), required=True)
    next = fields.String(allow_none=True, required=True)


class Me(Strict):
    id = fields.Integer(required=True)
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    orcid = fields.String(allow_none=True, required=True)
    token_scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    token_expires_at = fields.DateTime(required=True)


class Submission(Strict):
    id = fields.Integer(required=True)
    reference = fields.String(allow_none=True, required=True)
    journal = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True, metadata={"description": "The status in the token owner's language."})
    round = fields.Integer(required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    status_changed_at = fields.DateTime(required=True)


class SubmissionList(Link):
    items = fields.List(fields.Nested(Submission), required=True)


class SubmissionState(Submission):
    authors = fields.List(fields.Nested(Author), allow_none=True, required=True,
                          metadata={"description": "null where the token owner may not know who wrote it."})


class Assignment(Strict):
    id = fields.Integer(required=True)
    submission_id = fields.Integer(required=True)
    journal = fields.String(required=True)
    title = fields.String(required=True)
    round = fields.Integer(required=True)
    status = fields.String(required=True)
    respond_by = fields.DateTime(required=True)
    due_at = fields.DateTime(required=True)


class AssignmentList(Link):
    items = fields.List(fields.Nested(Assignment), required=True)


class QueueRow(Strict):
    id = fields.Integer(required=True)
    reference = fields.String(allow_none=True, required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    days_in_status = fields.Integer(required=True)
    reviews_invited = fields.Integer(required=True)
    reviews_submitted = fields.Integer(required=True)
    reviews_overdue = fields.Integer(required=True)
    needs_action = fields.List(fields.String(), required=True)


class Queue(Strict):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    items = fields.List(fields.Nested(QueueRow), required=True)
    next = fields.String(allow_none=True, required=True)
