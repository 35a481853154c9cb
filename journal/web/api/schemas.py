"""The API's shapes, as marshmallow schemas: they document the OpenAPI 3.1 document (flask-smorest builds it from
them) and check the arguments. The views build the same shapes as plain dicts (journal/web/api/shapes.py);
tests/test_api_schema.py holds the two together, answer by answer, with Schemathesis.

Every field of an answer is always present (`required`), null only where it says so (`nullable`); the helpers
below say it once rather than on every line."""

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate

from journal.models.api_tokens import SCOPES

MAX_LIMIT = 100
MAX_ID = 2**31 - 1  # PostgreSQL's integer: ids past it are not found (404), never a database error


class Strict(Schema):
    class Meta:
        ordered = True


# --- query arguments and bodies -----------------------------------------------------------------------------------
# An argument the route does not know is refused (422), not ignored: a typo does not silently change the answer,
# and made-up arguments do not fill the page cache with copies of the same answer.

QUERY = {"location": "query", "as_kwargs": True, "unknown": RAISE}  # webargs would drop unknown query arguments
FILES = {"location": "files", "as_kwargs": True, "unknown": RAISE}  # multipart/form-data


class Arguments(Strict):
    class Meta:
        ordered = True
        unknown = RAISE


class PageArgs(Arguments):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": "How many items a page holds (1–100)."})
    after = fields.Integer(load_default=0, validate=validate.Range(0, MAX_ID),
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


RESPONSE_TEXT = validate.Length(0, 50000)


class ResponseDraftBody(Arguments):
    response = fields.String(required=True, validate=RESPONSE_TEXT,
                             metadata={"description": "The response to the reviewers, kept until resubmission."})


class ResubmitBody(Arguments):
    response = fields.String(validate=RESPONSE_TEXT,
                             metadata={"description": "The response to the reviewers. Omitted: the draft kept with "
                                                      "PUT …/response-draft (or none, if a response letter is "
                                                      "uploaded)."})


class FileBody(Arguments):
    file = Upload(required=True, metadata={"description": "The file, as a part of multipart/form-data."})


# --- answers ------------------------------------------------------------------------------------------------------

def given(field_class=fields.String, **kwargs):
    """A field every answer holds."""
    return field_class(required=True, **kwargs)


def nullable(field_class=fields.String, **kwargs):
    """A field every answer holds, possibly null."""
    return field_class(required=True, allow_none=True, **kwargs)


def described(text: str, field_class=fields.String, **kwargs):
    return given(field_class, metadata={"description": text}, **kwargs)


def list_of(schema, **kwargs):
    return given(fields.List, cls_or_instance=fields.Nested(schema), **kwargs)


class Problem(Strict):
    """RFC 9457 problem details."""
    type = given()
    title = given()
    status = given(fields.Integer)
    detail = fields.String(allow_none=True)
    instance = given()
    errors = fields.Dict(metadata={"description": "Per argument, what is wrong with it (422 only)."})


class Link(Strict):
    next = nullable(metadata={"description": "The next page, or null."})


class NumberedPage(Link):
    """A page of a ranked or filtered list, paged by number."""
    total = given(fields.Integer)
    page = given(fields.Integer)
    pages = given(fields.Integer)


def keyset_page(name: str, item) -> type:
    """`name`: a page of `item`s by keyset, with the link to the next."""
    return type(name, (Link,), {"items": list_of(item), "__doc__": f"A page of {item.__name__} items."})


class Journal(Strict):
    id = given(fields.Integer)
    slug = given()
    title = given()
    abbreviation = given()
    description = given()
    publisher = given()
    issn_print = nullable()
    issn_online = nullable()
    licence = given()
    review_mode = given()
    accepting_submissions = given(fields.Boolean)
    url = given()


class IssueRef(Strict):
    id = given(fields.Integer)
    volume = given(fields.Integer)
    number = given(fields.Integer)
    year = given(fields.Integer)
    label = given()


class Issue(IssueRef):
    title = given()
    published_at = nullable(fields.DateTime)
    articles = described("How many articles it holds.", fields.Integer)
    url = given()


class Person(Strict):
    given_name = given()
    family_name = given()
    orcid = nullable()


class Author(Person):
    orcid_url = nullable()
    affiliation = given()
    country = given()
    corresponding = given(fields.Boolean)


class Version(Strict):
    number = given(fields.Integer)
    published_at = nullable(fields.DateTime)
    change_note = given()
    licence = given()
    url = given()


class Counts(Strict):
    views = described("COUNTER R5 Total_Item_Investigations.", fields.Integer)
    downloads = described("COUNTER R5 Total_Item_Requests.", fields.Integer)


class NamedReviewer(Strict):
    name = given()
    orcid = nullable()
    orcid_url = nullable()


class PeerReview(Strict):
    """One published item of the article's peer review. A reviewer is named (with their ORCID iD) only if they
    chose to be; otherwise `reviewer` is null and `label` is all there is."""
    kind = given(validate=validate.OneOf(["referee_report", "decision_letter", "author_response"]))
    round = given(fields.Integer)
    label = described("“Reviewer 2”, “Decision letter”, “Authors' response” (in English).")
    reviewer = nullable(fields.Nested, nested=NamedReviewer)
    recommendation = nullable(metadata={"description": "The reviewer's recommendation, for reports."})
    body = given()
    written_at = given(fields.DateTime)
    doi = nullable()
    doi_url = nullable()


class Article(Strict):
    id = given(fields.Integer)
    journal = described("The journal's slug.")
    title = given()
    abstract = given()
    keywords = given(fields.List, cls_or_instance=fields.String())
    language = given()
    authors = list_of(Author)
    doi = nullable()
    doi_url = nullable()
    licence = given()
    licence_url = nullable()
    status = described("published or retracted.")
    published_at = nullable(fields.DateTime)
    retracted_at = nullable(fields.DateTime)
    retraction_notice = given()
    issue = nullable(fields.Nested, nested=IssueRef)
    section = nullable()
    pages = given()
    article_number = nullable()
    version = described("The current version's number.", fields.Integer)
    versions = list_of(Version)
    counts = given(fields.Nested, nested=Counts)
    peer_review = list_of(PeerReview, metadata={
        "description": "The published peer review (reports, decision letters, the authors' responses), by round; "
                       "empty where the journal does not publish it."})
    url = given()


class SearchHit(Strict):
    id = given(fields.Integer)
    journal = given()
    title = given()
    doi = nullable()
    retracted = given(fields.Boolean)
    url = given()
    api_url = given()


class SearchResults(NumberedPage):
    items = list_of(SearchHit)


class Me(Person):
    id = given(fields.Integer)
    token_scope = given(validate=validate.OneOf(SCOPES))
    token_expires_at = given(fields.DateTime)


class PaperRef(Strict):
    """What every list of papers says of each."""
    id = given(fields.Integer)
    reference = nullable()
    title = given()
    status = given()


class Submission(PaperRef):
    journal = given()
    status_label = described("The status in the token owner's language.")
    round = given(fields.Integer)
    submitted_at = nullable(fields.DateTime)
    status_changed_at = given(fields.DateTime)


class SubmissionState(Submission):
    authors = nullable(fields.List, cls_or_instance=fields.Nested(Author),
                       metadata={"description": "null where the token owner may not know who wrote it."})


class NameFound(Strict):
    text = given()
    place = described("Where in the PDF it was found (page, properties…).")


class SubmissionFile(Strict):
    id = given(fields.Integer)
    kind = given(validate=validate.OneOf(["manuscript", "response_letter"]))
    name = given()
    round = described("The version of the paper the file belongs to.", fields.Integer)
    size = given(fields.Integer)
    sha256 = given()
    pages = nullable(fields.Integer)
    names_found = list_of(NameFound, metadata={
        "description": "The authors' names the check found in a manuscript (journals with anonymous review): upload "
                       "a cleaned file, or confirm they may stay (POST …/anonymity-confirmation)."})


class Assignment(Strict):
    id = given(fields.Integer)
    submission_id = given(fields.Integer)
    journal = given()
    title = given()
    round = given(fields.Integer)
    status = given()
    respond_by = given(fields.DateTime)
    due_at = given(fields.DateTime)


class QueueRow(PaperRef):
    days_in_status = given(fields.Integer)
    reviews_invited = given(fields.Integer)
    reviews_submitted = given(fields.Integer)
    reviews_overdue = given(fields.Integer)
    needs_action = given(fields.List, cls_or_instance=fields.String())


class Queue(NumberedPage):
    counts = given(fields.Dict, keys=fields.String(), values=fields.Integer())
    items = list_of(QueueRow)


JournalList = keyset_page("JournalList", Journal)
IssueList = keyset_page("IssueList", Issue)
ArticleList = keyset_page("ArticleList", Article)
SubmissionList = keyset_page("SubmissionList", Submission)
AssignmentList = keyset_page("AssignmentList", Assignment)
