"""Who gets what from every route: the written access matrix, checked by tests/test_access_matrix.py.

One Row per endpoint AND method. Its `url` is a template filled from the world's values (tests/access_world.py:
{slug}, {P} the paper, {A} the accepted reviewer's assignment, {file}, {attachment}, {issue}, {article}…); a row
whose value does not exist in a state (no assignment before the invitations, no article before production) is not
checked in that state. `expect` holds the answer for each of the twelve personas (PERSONAS), `when` the states
where some answers differ. The answers are the rules as they must be, not as the code happens to answer:

- OK: 200. ALLOW: allowed, i.e. 200, or a redirect that is not to the login page (after a POST, a download
  redirecting to its signed link, a wizard page of a submitted paper sending to the paper's page), or 400 for a
  POST whose form data fails validation (the page again, with the messages). An int other than 200: that code.
- LOGIN: a redirect to the login page (visitors on anything that is not public).
- DENIED (403): a logged-in person without the right, on pages whose answer does not depend on the paper (the
  journal's editorial office, its management, the administration), and the co-authors on the submitter's pages.
- HIDDEN (404): where existence must not leak: another's submission, assignment or file, the production area,
  and every editorial, production and review-handling route of a paper for the editor who is one of its authors.

POST rows: the denied personas are always checked (they must get their answer and change nothing: no audit event,
no mail). The allowed personas are checked only where `data` is given: form data that fails validation, or a
request that changes nothing. Where `data` is None the allowed cells are NOT checked, because the POST would act
(withdraw the paper, answer the invitation, publish, log out the persona…) and spoil the world for later rows;
those actions are tested in the test file of their area.

Adding a route: one line below (the test says which), e.g.
    Row("account.sessions", "GET", "/account/sessions", logged_in(OK)),
"""

from dataclasses import dataclass, field

from tests.access_world import PERSONAS, STATES

OK, ALLOW, LOGIN, DENIED, HIDDEN = 200, "allowed", "login", 403, 404
CONTRIBUTORS = ("author", "coauthor", "editor_author")
EDITORS = ("editor", "handling_editor", "editor_author", "managing_editor")
REVIEWERS = ("reviewer_invited", "reviewer_accepted", "reviewer_declined", "reviewer_other_paper")
BEFORE_PRODUCTION = ("submitted", "invited", "answered", "reviewed", "revision")
BEFORE_REVIEW = ("submitted", "invited", "answered")
AFTER_DECISION = ("revision", "production", "published")
# Who a persona is in a state where their own part has not begun yet: before the handling editor is assigned, the
# handling editor is just an editor; before the invitations, the paper's reviewers are just the journal's reviewers;
# before anyone answers, all three are invited.
STAND_INS = {
    "submitted": {"handling_editor": "editor", "reviewer_invited": "reviewer_other_paper",
                  "reviewer_accepted": "reviewer_other_paper", "reviewer_declined": "reviewer_other_paper"},
    "invited": {"reviewer_accepted": "reviewer_invited", "reviewer_declined": "reviewer_invited"},
}


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    url: str
    expect: dict
    when: dict = field(default_factory=dict)  # state -> {persona: answer}
    data: dict | None = None  # POST: data for checking the allowed personas (None: those cells are not checked)
    last: bool = False  # checked after every other row of the persona (logging out)
    token: str | None = None  # the JSON API: sent with the persona's personal access token of this scope, no cookie

    def answer(self, state: str, persona: str):
        persona = STAND_INS.get(state, {}).get(persona, persona)
        return self.when.get(state, {}).get(persona, self.expect[persona])


def answers(allowed=(), *, code=ALLOW, others=DENIED, anonymous=LOGIN, **special) -> dict:
    """Every persona's answer: `code` for the allowed, `others` for the rest, visitors to log in unless said."""
    table = {p: (code if p in allowed else others) for p in PERSONAS}
    table["anonymous"] = anonymous
    table.update(special)
    assert set(table) == set(PERSONAS), set(table) ^ set(PERSONAS)
    return table


def everyone(code=ALLOW, **special) -> dict:
    return answers(PERSONAS, code=code, **({"anonymous": code} | special))


def logged_in(code=ALLOW, **special) -> dict:
    return answers(PERSONAS, code=code, **special)


def in_states(states, **persona_answers) -> dict:
    return {s: dict(persona_answers) for s in states}


def all_in(states, code) -> dict:
    """In these states the object is not there (yet) for anyone: `code` for all but visitors (to log in)."""
    return {s: {p: code for p in PERSONAS if p != "anonymous"} for s in states}


def merge(*whens: dict) -> dict:
    out: dict = {}
    for w in whens:
        for state, table in w.items():
            out.setdefault(state, {}).update(table)
    return out


# The rule families.
ADMIN = answers(["admin"])
MANAGE = answers(["managing_editor", "admin"])
OFFICE = answers(EDITORS)  # the journal's editorial office (journal-level pages)
SUBMITTER = answers(["author"], others=HIDDEN, coauthor=DENIED, editor_author=DENIED)
CONTRIBUTOR = answers(CONTRIBUTORS, others=HIDDEN)
PROOFS = answers(["author"], others=HIDDEN, coauthor=DENIED, editor_author=DENIED)
PRODUCTION = answers(["managing_editor"], others=HIDDEN)  # the production area: the journal's managing editors
PAPER_PRODUCTION = merge(all_in(BEFORE_PRODUCTION, HIDDEN))


def paper_office(allowed=EDITORS, hide_others=False) -> dict:
    """An editorial page of the paper: the editors in `allowed`, the other editors 403, the editor who is an
    author 404; the others 403 (the office's door, which names no paper), or 404 where the route hides."""
    table = answers([p for p in allowed if p != "editor_author"], others=HIDDEN if hide_others else DENIED)
    for p in EDITORS:
        if p not in allowed:
            table[p] = DENIED
    table["editor_author"] = HIDDEN
    return table


DECIDERS = ("handling_editor", "managing_editor")
REVIEWER_A = answers(["reviewer_accepted"], others=HIDDEN)  # the accepted reviewer's own assignment
ED = "/editorial/{slug}/submissions/{P}"
REVIEW = ED + "/reviews/{A}"
PROD = "/production/{slug}/submissions/{P}"
SUB = "/submissions/{P}"
ART = "/j/{slug}/articles/{article}"
UNPUBLISHED = all_in(BEFORE_PRODUCTION, HIDDEN) | {"production": {p: HIDDEN for p in PERSONAS}}
A_INVITED = all_in(["invited"], HIDDEN)  # the accepted reviewer's assignment before they accepted
NO_REVIEW = all_in(BEFORE_REVIEW, HIDDEN)  # before the review is submitted
# A reviewer's thread opens when they accept: before, the editors' page of it is not there either.
MESSAGES_INVITED = in_states(["invited"], editor=HIDDEN, handling_editor=HIDDEN, managing_editor=HIDDEN)

API = "/api/v1"
UNAUTHORISED = 401  # the API without a token (journal/web/api/auth.py)
API_ART = API + "/journals/{slug}/articles/{article}"

ROWS = [
    # --- public: everyone, logged in or not
    Row("healthz", "GET", "/healthz", everyone(OK)),
    Row("public.home", "GET", "/", everyone(OK)),
    Row("public.robots", "GET", "/robots.txt", everyone(OK)),
    Row("public.choose_language", "GET", "/language?lang=zh&next=/", everyone()),
    Row("public.choose_language", "POST", "/language", everyone(), data={"lang": "fr", "next": "/"}),
    Row("public.sitemap", "GET", "/sitemap.xml", everyone(OK)),
    Row("public.sitemap_pages", "GET", "/sitemaps/pages.xml", everyone(OK)),
    Row("public.sitemap_articles", "GET", "/sitemaps/articles-0.xml", everyone(OK),  # a part with no article: 404
        when={s: {p: HIDDEN for p in PERSONAS} for s in STATES if s != "published"}),
    Row("public.search", "GET", "/search?q=regolith", everyone(OK)),
    Row("public.journal_home", "GET", "/j/{slug}/", everyone(OK)),
    Row("public.archive", "GET", "/j/{slug}/issues", everyone(OK)),
    Row("public.feed", "GET", "/j/{slug}/feed.atom", everyone(OK)),
    Row("public.issue", "GET", "/j/{slug}/issues/{issue}", everyone(OK),
        when={s: {p: HIDDEN for p in PERSONAS} for s in STATES if s != "published"}),
    Row("public.article", "GET", ART, everyone(OK), when=UNPUBLISHED),
    Row("public.article_pdf", "GET", ART + "/pdf", everyone(ALLOW), when=UNPUBLISHED),
    Row("public.article_bibtex", "GET", ART + "/cite.bib", everyone(OK), when=UNPUBLISHED),
    Row("public.article_ris", "GET", ART + "/cite.ris", everyone(OK), when=UNPUBLISHED),
    Row("public.article_version", "GET", ART + "/v1", everyone(OK), when=UNPUBLISHED),
    Row("public.article_version_pdf", "GET", ART + "/v1/pdf", everyone(ALLOW), when=UNPUBLISHED),
    Row("oai.article_jats", "GET", ART + "/jats.xml", everyone(OK), when=UNPUBLISHED),
    Row("public.article_figure", "GET", ART + "/figures/{full_text}/f.png", everyone(OK), when=UNPUBLISHED),
    # the world's journal publishes peer review always (tests/access_world.py): the page exists once published
    Row("public.article_peer_review", "GET", ART + "/peer-review", everyone(OK), when=UNPUBLISHED),
    Row("oai.endpoint", "GET", "/oai?verb=Identify", everyone(OK)),
    Row("oai.endpoint", "POST", "/oai", everyone(OK), data={"verb": "Identify"}),
    Row("files.download", "GET", "/files/{file_token}", everyone(OK)),  # the signed token is the permission
    # --- signing in and out: public; a logged-in person is sent on where a page is for visitors
    Row("auth.login", "GET", "/login", everyone()),
    Row("auth.login", "POST", "/login", everyone(), data={}),
    Row("auth.register", "GET", "/register", everyone()),
    Row("auth.register", "POST", "/register", everyone(), data={}),
    Row("auth.forgot_password", "GET", "/password/forgot", everyone()),
    Row("auth.forgot_password", "POST", "/password/forgot", everyone(), data={}),
    Row("auth.reset_password", "GET", "/password/reset/{reset_token}", everyone()),
    Row("auth.reset_password", "POST", "/password/reset/{reset_token}", everyone(), data={}),
    Row("auth.verify_email", "GET", "/verify/{verify_token}", everyone(anonymous=LOGIN)),  # verified: now log in
    Row("auth.resend_verification", "POST", "/verify/resend", logged_in(), data={}),
    Row("auth.logout", "POST", "/logout", everyone(), data={}, last=True),
    # --- ORCID (configured in tests/test_access_matrix.py; a provider that no row reaches): a trip to ORCID starts
    # with a POST; an answer this session did not ask for is refused; the sign-up form needs a proved iD first
    Row("orcid.sign_in", "POST", "/orcid/sign-in", everyone()),
    Row("orcid.callback", "GET", "/orcid/callback?code=c&state=s", everyone(400)),
    Row("orcid.sign_up", "GET", "/orcid/sign-up", everyone(anonymous=LOGIN)),
    Row("orcid.sign_up", "POST", "/orcid/sign-up", everyone(anonymous=LOGIN), data={}),
    Row("orcid.link", "POST", "/account/orcid/link", logged_in()),
    Row("orcid.unlink", "POST", "/account/orcid/unlink", logged_in(), data={}),  # none linked: nothing to unlink
    Row("orcid.contributor", "GET", "/contributors/orcid/{objection_token}", everyone(OK)),
    Row("orcid.contributor", "POST", "/contributors/orcid/{objection_token}", everyone()),
    # --- one's own account
    Row("home.index", "GET", "/home", logged_in(OK)),
    Row("production.journals", "GET", "/production/", answers(["managing_editor"])),
    Row("account.profile", "GET", "/account/profile", logged_in(OK)),
    Row("account.profile", "POST", "/account/profile", logged_in(), data={}),
    Row("account.change_password", "GET", "/account/password", logged_in(OK)),
    Row("account.change_password", "POST", "/account/password", logged_in(), data={}),
    Row("account.activity", "GET", "/account/activity", logged_in(OK)),
    Row("account.sessions", "GET", "/account/sessions", logged_in(OK)),
    # Ending a sign-in that is not one's own (here one that does not exist) ends nothing and says it is signed out
    # already: the same answer for anyone's id, so the page tells nothing of other people's sign-ins.
    Row("account.end_session", "POST", "/account/sessions/999999/end", logged_in(), data={}),
    Row("account.end_other_sessions", "POST", "/account/sessions/end-others", logged_in()),
    Row("account.end_all_sessions", "POST", "/account/sessions/end-all", logged_in()),
    Row("account.reviews", "GET", "/account/reviews", logged_in(OK)),
    Row("account.review_certificate_for_review", "GET", "/account/reviews/{A}/certificate", REVIEWER_A,
        when=NO_REVIEW),
    # Review credit on ORCID: the reviewer's own completed review only (the record, or a redirect to the credit page
    # saying why the journal cannot make one; the agreement).
    Row("account.review_orcid_record", "GET", "/account/reviews/{A}/orcid.json", REVIEWER_A, when=NO_REVIEW),
    Row("account.review_orcid", "POST", "/account/reviews/{A}/orcid", REVIEWER_A, when=NO_REVIEW),
    Row("account.review_certificate_for_year", "GET", "/account/reviews/certificates/{slug}/{year}",
        logged_in(HIDDEN, reviewer_accepted=OK), when=NO_REVIEW),  # only one's own credit; none: 404
    Row("author.submit", "GET", "/submit", logged_in(OK)),
    Row("author.my_submissions", "GET", "/my/submissions", logged_in(OK)),
    Row("author.submit_to", "GET", "/j/{slug}/submit", logged_in(OK)),
    Row("author.submit_to", "POST", "/j/{slug}/submit", logged_in(), data={}),
    Row("author.object_to_listing", "GET", "/contributors/object/{objection_token}", everyone(OK)),
    Row("author.object_to_listing", "POST", "/contributors/object/{objection_token}", everyone()),
    # --- the administration
    Row("admin.index", "GET", "/admin/", ADMIN),
    Row("admin.users", "GET", "/admin/users", ADMIN),
    Row("admin.set_user_flag", "POST", "/admin/users/{user}/active/off", ADMIN),
    Row("admin.outbox", "GET", "/admin/outbox", ADMIN),
    Row("admin.outbox_message", "GET", "/admin/outbox/{message}", ADMIN),
    Row("admin.retry_outbox_message", "POST", "/admin/outbox/{message}/retry", ADMIN),
    Row("admin.new_journal", "GET", "/admin/journals/new", ADMIN),
    Row("admin.new_journal", "POST", "/admin/journals/new", ADMIN, data={}),
    # --- managing the journal: its managing editors and the platform admin
    Row("manage.index", "GET", "/manage/", MANAGE),
    Row("manage.settings", "GET", "/manage/{slug}/settings", MANAGE),
    Row("manage.settings", "POST", "/manage/{slug}/settings", MANAGE, data={}),
    Row("manage.sections", "GET", "/manage/{slug}/sections", MANAGE),
    Row("manage.sections", "POST", "/manage/{slug}/sections", MANAGE, data={}),
    Row("manage.edit_section", "GET", "/manage/{slug}/sections/{section}", MANAGE),
    Row("manage.edit_section", "POST", "/manage/{slug}/sections/{section}", MANAGE, data={}),
    Row("manage.move_section", "POST", "/manage/{slug}/sections/{section}/move/down", MANAGE),
    Row("manage.members", "GET", "/manage/{slug}/members", MANAGE),
    Row("manage.members", "POST", "/manage/{slug}/members", MANAGE, data={}),
    Row("manage.remove_member", "POST", "/manage/{slug}/members/{membership}/remove", MANAGE),
    Row("manage.announcements", "GET", "/manage/{slug}/announcements", MANAGE),
    Row("manage.announcements", "POST", "/manage/{slug}/announcements", MANAGE, data={}),
    Row("manage.remove_announcement", "POST", "/manage/{slug}/announcements/{announcement}/remove", MANAGE),
    Row("manage.history", "GET", "/manage/{slug}/history", MANAGE),
    Row("manage.mail_templates", "GET", "/manage/{slug}/mails", MANAGE),
    Row("manage.edit_mail_template", "GET", "/manage/{slug}/mails/review_invitation/en", MANAGE),
    Row("manage.edit_mail_template", "POST", "/manage/{slug}/mails/review_invitation/en", MANAGE, data={}),
    Row("manage.reset_mail_template", "POST", "/manage/{slug}/mails/review_invitation/en/reset", MANAGE),
    # --- the editorial office
    Row("editorial.index", "GET", "/editorial/", OFFICE),
    Row("editorial.queue", "GET", "/editorial/{slug}/", OFFICE),
    Row("editorial.statistics_page", "GET", "/editorial/{slug}/statistics", OFFICE),
    Row("editorial.statistics_csv", "GET", "/editorial/{slug}/statistics/reviewers.csv", OFFICE),
    # the figures per handling editor name and compare the editors: the managing editors only
    Row("editorial.statistics_by_editor_csv", "GET", "/editorial/{slug}/statistics/editors.csv",
        answers(["managing_editor"])),
    # what readers read (COUNTER usage): the managing editors only
    Row("editorial.usage_report", "GET", "/editorial/{slug}/usage", answers(["managing_editor"])),
    Row("editorial.usage_months_csv", "GET", "/editorial/{slug}/usage/months.csv", answers(["managing_editor"])),
    Row("editorial.usage_articles_csv", "GET", "/editorial/{slug}/usage/articles.csv", answers(["managing_editor"])),
    Row("editorial.submission", "GET", ED, paper_office()),
    Row("editorial.download", "GET", ED + "/files/{file}", paper_office()),
    Row("editorial.assign", "POST", ED + "/assign", paper_office(["managing_editor"])),
    Row("editorial.send_to_review", "POST", ED + "/send-to-review", paper_office(DECIDERS)),
    Row("editorial.send_to_previous_reviewers", "POST", ED + "/send-to-previous-reviewers", paper_office(DECIDERS)),
    Row("editorial.desk_reject", "GET", ED + "/desk-reject", paper_office(DECIDERS)),
    Row("editorial.desk_reject", "POST", ED + "/desk-reject", paper_office(DECIDERS)),
    Row("editorial.decide", "GET", ED + "/decide", paper_office(DECIDERS)),
    Row("editorial.decide", "POST", ED + "/decide", paper_office(DECIDERS)),
    Row("editorial.recommend", "GET", ED + "/recommend", paper_office(())),  # recommend-only journals only
    Row("editorial.recommend", "POST", ED + "/recommend", paper_office(())),
    Row("editorial.find_reviewers", "GET", ED + "/reviewers/find", paper_office(DECIDERS, hide_others=True)),
    Row("editorial.invite", "POST", ED + "/reviewers/invite", paper_office(DECIDERS), data={}),
    Row("editorial.cancel_assignment", "POST", ED + "/reviewers/{A}/cancel", paper_office(DECIDERS)),
    Row("editorial.extend_due_date", "POST", ED + "/reviewers/{A}/due-date", paper_office(DECIDERS), data={}),
    # --- handling the reviews of the paper (hidden from all but the journal's editors)
    Row("editorial.share_review", "POST", REVIEW + "/share", paper_office(DECIDERS, True)),
    Row("editorial.return_review", "GET", REVIEW + "/return", paper_office(DECIDERS, True)),
    Row("editorial.return_review", "POST", REVIEW + "/return", paper_office(DECIDERS, True), data={}),
    Row("editorial.correct_review", "GET", REVIEW + "/correct", paper_office(DECIDERS, True)),
    Row("editorial.correct_review", "POST", REVIEW + "/correct", paper_office(DECIDERS, True), data={}),
    Row("editorial.revert_correction", "POST", REVIEW + "/correct/revert", paper_office(DECIDERS, True)),
    Row("editorial.rate_review", "POST", REVIEW + "/rate", paper_office(DECIDERS, True), data={}),
    Row("editorial.approve_due_date", "POST", REVIEW + "/due-date/approve", paper_office(DECIDERS, True)),
    Row("editorial.refuse_due_date", "GET", REVIEW + "/due-date/refuse", paper_office(DECIDERS, True)),
    Row("editorial.refuse_due_date", "POST", REVIEW + "/due-date/refuse", paper_office(DECIDERS, True)),
    Row("editorial.review_attachment", "GET", REVIEW + "/attachments/{attachment}", paper_office(hide_others=True)),
    # --- the paper's conversations (journal/services/conversations.py): the editors' side
    Row("editorial.author_messages", "GET", ED + "/messages/authors", paper_office()),
    Row("editorial.author_messages", "POST", ED + "/messages/authors", paper_office(), data={}),
    Row("editorial.author_message_file", "GET", ED + "/messages/authors/files/{Ma}", paper_office()),
    Row("editorial.reviewer_messages", "GET", ED + "/messages/reviewers/{A}", paper_office(), when=MESSAGES_INVITED),
    Row("editorial.reviewer_messages", "POST", ED + "/messages/reviewers/{A}", paper_office(), data={},
        when=MESSAGES_INVITED),
    Row("editorial.reviewer_message_file", "GET", ED + "/messages/reviewers/{A}/files/{Mr}", paper_office()),
    # --- production and issues: the journal's managing editors; 404 for everyone else
    Row("production.index", "GET", "/production/{slug}/", PRODUCTION),
    Row("production.issues", "GET", "/production/{slug}/issues", PRODUCTION),
    Row("production.issues", "POST", "/production/{slug}/issues", PRODUCTION, data={}),
    Row("production.issue", "GET", "/production/{slug}/issues/{issue}", PRODUCTION),
    Row("production.edit_issue", "POST", "/production/{slug}/issues/{issue}/edit", PRODUCTION),
    Row("production.preview", "GET", "/production/{slug}/issues/{issue}/preview", PRODUCTION),
    Row("production.publish", "POST", "/production/{slug}/issues/{issue}/publish", PRODUCTION),
    Row("production.move_article", "POST", "/production/{slug}/issues/{issue}/articles/{article}/move", PRODUCTION),
    Row("production.add_articles", "POST", "/production/{slug}/issues/{issue}/add", PRODUCTION),
    Row("oai.issue_crossref", "GET", "/production/{slug}/issues/{issue}/crossref.xml", PRODUCTION,
        when=in_states([s for s in STATES if s != "published"], managing_editor=409)),  # not published yet
    # The peer review's deposit: 409 until P is published (this world's journal always publishes peer review, so
    # P's reviews are deposited once it is).
    Row("oai.issue_crossref_peer_review", "GET", "/production/{slug}/issues/{issue}/crossref-peer-review.xml",
        PRODUCTION, when=in_states([s for s in STATES if s != "published"], managing_editor=409)),
    Row("production.article", "GET", PROD, PRODUCTION, when=PAPER_PRODUCTION),
    Row("oai.article_crossref", "GET", PROD + "/crossref.xml", PRODUCTION,
        when=merge(PAPER_PRODUCTION, in_states(["production"], managing_editor=409))),  # not published yet
    Row("oai.article_crossref_peer_review", "GET", PROD + "/crossref-peer-review.xml", PRODUCTION,
        when=merge(PAPER_PRODUCTION, in_states(["production"], managing_editor=409))),
    Row("production.download", "GET", PROD + "/files/{galley}", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.start", "POST", PROD + "/start", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.metadata", "GET", PROD + "/metadata", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.metadata", "POST", PROD + "/metadata", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.upload_galley", "POST", PROD + "/galley", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.full_text", "GET", PROD + "/full-text", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.make_full_text", "POST", PROD + "/full-text", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.full_text_from_source", "POST", PROD + "/full-text/from-source", PRODUCTION,
        when=PAPER_PRODUCTION),
    Row("production.full_text_figure", "GET", PROD + "/full-text/{full_text}/figures/f.png", PRODUCTION,
        when=PAPER_PRODUCTION),
    Row("production.request_proofs", "POST", PROD + "/proofs", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.schedule", "POST", PROD + "/schedule", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.publish_online", "POST", PROD + "/publish-online", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.correct", "GET", PROD + "/correct", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.correct", "POST", PROD + "/correct", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.correct_galley", "POST", PROD + "/correct/galley", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.retract", "GET", PROD + "/retract", PRODUCTION, when=PAPER_PRODUCTION),
    Row("production.retract", "POST", PROD + "/retract", PRODUCTION, when=PAPER_PRODUCTION),
    # --- the authors' pages: the submitter edits; co-authors with an account read; strangers get 404
    Row("author.submission", "GET", SUB, CONTRIBUTOR),
    Row("author.download", "GET", SUB + "/files/{file}", CONTRIBUTOR),
    Row("author.review_attachment", "GET", SUB + "/reviews/files/{attachment}", CONTRIBUTOR,
        when=all_in(["reviewed"], HIDDEN)),  # shared with the authors with the decision, not before
    Row("author.messages", "GET", SUB + "/messages", CONTRIBUTOR),
    Row("author.messages", "POST", SUB + "/messages", CONTRIBUTOR, data={}),
    Row("author.message_file", "GET", SUB + "/messages/files/{Ma}", CONTRIBUTOR),
    Row("author.proofs", "GET", SUB + "/proofs", CONTRIBUTOR, when=all_in(BEFORE_PRODUCTION, HIDDEN)),
    Row("author.proof_galley", "GET", SUB + "/proofs/galley", CONTRIBUTOR, when=all_in(BEFORE_PRODUCTION, HIDDEN)),
    Row("author.proof_full_text", "GET", SUB + "/proofs/full-text", CONTRIBUTOR,
        when=all_in(BEFORE_PRODUCTION, HIDDEN)),
    Row("author.proof_figure", "GET", SUB + "/proofs/full-text/figures/f.png", CONTRIBUTOR,
        when=all_in(BEFORE_PRODUCTION, HIDDEN)),
    Row("author.approve_proofs", "POST", SUB + "/proofs/approve", PROOFS),
    Row("author.send_proof_corrections", "POST", SUB + "/proofs/corrections", PROOFS),
    Row("author.edit_start", "GET", SUB + "/start", SUBMITTER),
    Row("author.edit_start", "POST", SUB + "/start", SUBMITTER),
    Row("author.metadata", "GET", SUB + "/metadata", SUBMITTER),
    Row("author.metadata", "POST", SUB + "/metadata", SUBMITTER),
    Row("author.edit_contributor", "GET", SUB + "/contributors/{contributor}", SUBMITTER),
    Row("author.edit_contributor", "POST", SUB + "/contributors/{contributor}", SUBMITTER),
    Row("author.contributor_action", "POST", SUB + "/contributors/{contributor}/up", SUBMITTER),
    Row("author.files", "GET", SUB + "/files", SUBMITTER),
    Row("author.upload_manuscript", "POST", SUB + "/files/manuscript", SUBMITTER),
    Row("author.confirm_anonymity", "POST", SUB + "/anonymity", SUBMITTER),
    # the LaTeX source's compilation (journal/web/author/latex.py): the submitter's; never a reviewer's
    Row("author.latex_compile", "GET", SUB + "/latex/{latex}", SUBMITTER),
    Row("author.latex_log", "GET", SUB + "/latex/{latex}/log", SUBMITTER),
    Row("author.choose_main", "POST", SUB + "/latex/{latex}/main", SUBMITTER, data={}),  # queued: nothing to choose
    Row("author.add_supplement", "POST", SUB + "/files/supplements", SUBMITTER),
    Row("author.remove_supplement", "POST", SUB + "/files/{file}/remove", SUBMITTER),
    Row("author.declarations", "GET", SUB + "/declarations", SUBMITTER),
    Row("author.declarations", "POST", SUB + "/declarations", SUBMITTER),
    Row("author.review", "GET", SUB + "/review", SUBMITTER),
    Row("author.submit_draft", "POST", SUB + "/submit", SUBMITTER),
    Row("author.delete_draft", "GET", SUB + "/delete", SUBMITTER),
    Row("author.delete_draft", "POST", SUB + "/delete", SUBMITTER),
    Row("author.peer_review_consent", "POST", SUB + "/peer-review-consent", SUBMITTER),
    Row("author.withdraw", "GET", SUB + "/withdraw", SUBMITTER),
    Row("author.withdraw", "POST", SUB + "/withdraw", SUBMITTER),
    Row("author.revise", "GET", SUB + "/revise", SUBMITTER),
    Row("author.add_response_letter", "POST", SUB + "/response-letter", SUBMITTER),
    Row("author.resubmit", "POST", SUB + "/resubmit", SUBMITTER),
    # --- reviewing: the invitation's token is the permission; the assignment is its reviewer's alone
    Row("review.index", "GET", "/review/", answers(REVIEWERS, code=OK)),
    Row("review.invitation", "GET", "/review/invitations/{invitation_token}", everyone(OK),
        when={s: {p: 410 for p in PERSONAS} for s in AFTER_DECISION}),  # closed with the round
    Row("review.accept", "POST", "/review/invitations/{invitation_token}/accept", everyone()),
    Row("review.decline", "POST", "/review/invitations/{invitation_token}/decline", everyone()),
    Row("review.assignment", "GET", "/review/assignments/{A}", REVIEWER_A, when=A_INVITED),
    Row("review.assignment", "POST", "/review/assignments/{A}", REVIEWER_A, when=A_INVITED),
    Row("review.manuscript", "GET", "/review/assignments/{A}/manuscript", REVIEWER_A, when=A_INVITED),
    Row("review.attachment", "GET", "/review/assignments/{A}/attachments/{attachment}", REVIEWER_A),
    Row("review.messages", "GET", "/review/assignments/{A}/messages", REVIEWER_A, when=A_INVITED),
    Row("review.messages", "POST", "/review/assignments/{A}/messages", REVIEWER_A, when=A_INVITED, data={}),
    Row("review.message_file", "GET", "/review/assignments/{A}/messages/files/{Mr}", REVIEWER_A),
    # --- the JSON API (journal/web/api/): public reads for everyone; personal routes with the persona's token
    Row("api_docs.openapi_json", "GET", API + "/openapi.json", everyone(OK)),
    Row("api_docs.docs_page", "GET", API + "/docs", everyone(OK)),
    Row("api.journals", "GET", API + "/journals", everyone(OK)),
    Row("api.journal", "GET", API + "/journals/{slug}", everyone(OK)),
    Row("api.issues", "GET", API + "/journals/{slug}/issues", everyone(OK)),
    Row("api.articles", "GET", API + "/journals/{slug}/articles", everyone(OK)),
    Row("api.issue_articles", "GET", API + "/journals/{slug}/issues/{issue}/articles", everyone(OK),
        when={s: {p: HIDDEN for p in PERSONAS} for s in STATES if s != "published"}),
    Row("api.article", "GET", API_ART, everyone(OK), when=UNPUBLISHED),
    Row("api.search", "GET", API + "/search?q=regolith", everyone(OK)),
    Row("api.me", "GET", API + "/me", logged_in(OK, anonymous=UNAUTHORISED), token="read"),
    Row("api.my_submissions", "GET", API + "/me/submissions", logged_in(OK, anonymous=UNAUTHORISED), token="read"),
    Row("api.my_assignments", "GET", API + "/me/assignments", logged_in(OK, anonymous=UNAUTHORISED), token="read"),
    # submission.view, hidden: its linked authors and the journal's editors (the editor-author as an author)
    Row("api.submission", "GET", API + "/submissions/{P}",
        answers([*CONTRIBUTORS, *EDITORS], code=OK, others=HIDDEN, anonymous=UNAUTHORISED), token="read"),
    Row("api.queue", "GET", API + "/journals/{slug}/queue",
        answers(EDITORS, code=OK, anonymous=UNAUTHORISED), token="read"),
    # The submitter's write, with a token that may write (a read-only token: 403, tests/test_api.py).
    Row("api.response_draft", "PUT", API + "/submissions/{P}/response-draft",
        answers(["author"], others=HIDDEN, anonymous=UNAUTHORISED), token="write"),
    # The submitter's revision through the API (tests/test_api_writes.py: the allowed cells act, so not here).
    Row("api.upload_manuscript", "POST", API + "/submissions/{P}/manuscript",
        answers(["author"], others=HIDDEN, anonymous=UNAUTHORISED), token="write"),
    Row("api.upload_response_letter", "POST", API + "/submissions/{P}/response-letter",
        answers(["author"], others=HIDDEN, anonymous=UNAUTHORISED), token="write"),
    Row("api.confirm_anonymity", "POST", API + "/submissions/{P}/anonymity-confirmation",
        answers(["author"], others=HIDDEN, anonymous=UNAUTHORISED), token="write"),
    Row("api.resubmit", "POST", API + "/submissions/{P}/resubmit",
        answers(["author"], others=HIDDEN, anonymous=UNAUTHORISED), token="write"),
    Row("account.api_tokens_page", "GET", "/account/tokens", logged_in(OK)),
    Row("account.api_tokens_page", "POST", "/account/tokens", logged_in(), data={"name": "", "scope": "read",
                                                                                "days": "30"}),
    Row("account.revoke_api_token", "POST", "/account/tokens/999999/revoke", logged_in(), data={}),
]
