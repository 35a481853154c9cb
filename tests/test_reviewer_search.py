"""Find reviewers: the editor searches the pool (or everyone), ranked by expertise and past reviews, with each
candidate's load, record and conflicts, the authors' suggestions on top, and invites from the list."""

import html
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from journal.extensions import db
from journal.models import (AssignmentStatus, Contributor, Membership, ReviewAssignment, ReviewMode, ReviewRound,
                            Role, Submission, SubmissionStatus, User, utcnow)
from journal.services import editorial
from journal.services import keywords as keyword_service
from journal.services import reviewer_search as search
from journal.services.errors import PermissionDenied
from tests.papers import submit_paper

A = AssignmentStatus
KEYWORDS = "Lunar regolith, Heat flow, Thermal conductivity"
ABSTRACT = "We measure heat flow through the *lunar regolith* over three lunar nights with buried probes."


@pytest.fixture
def build_paper(make_journal, make_user):
    """A paper under review in round 1: Mei Chen (Institute of Space Science) with Kenji Watanabe (Kyoto)."""

    def build(mode=ReviewMode.DOUBLE_ANONYMOUS, slug="jdse", suggested=(), opposed=()):
        journal = make_journal(slug, reference_prefix=slug.upper(), review_mode=mode)
        author = make_user(f"mei@{slug}.example.org", given_name="Mei", family_name="Chen",
                           affiliation="Institute of Space Science")
        people = {
            "author": author,
            "manager": make_user(f"max@{slug}.example.org", given_name="Max", family_name="Manager",
                                 roles={journal: Role.MANAGING_EDITOR}),
            "editor": make_user(f"ada@{slug}.example.org", given_name="Ada", family_name="Okafor",
                                roles={journal: Role.EDITOR}),
        }
        submission = submit_paper(author, journal, title="Regolith heat flow measured by buried probes",
                                  keywords=KEYWORDS, abstract=ABSTRACT, suggested=suggested, opposed=opposed,
                                  coauthor=dict(given_name="Kenji", family_name="Watanabe",
                                                email=f"kenji@{slug}.example.org",
                                                affiliation="Dept. of Physics, Kyoto Space Lab"))
        editorial.assign_handling_editor(people["manager"], submission, people["editor"].id)
        editorial.send_to_review(people["editor"], submission)
        return journal, submission, people

    return build


@pytest.fixture
def paper(build_paper):
    return build_paper()


def find_url(submission, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/editorial/{submission.journal.slug}/submissions/{submission.id}/reviewers/find" + (
        f"?{query}" if query else "")


def names_in_order(page: str) -> list[str]:
    """The ranked candidates' names, in the order the page lists them."""
    return [html.unescape(n) for n in re.findall(r'<span class="reviewer-rank">\d+\.</span> ([^<]+)</h3>', page)]


def card_of(page: str, name: str) -> str:
    cards = [c for c in page.split('<li class="card reviewer-card"')[1:]
             if f"> {name}</h3>" in c or f">{name}</h3>" in c]
    assert cards, f"no card for {name}"
    return html.unescape(re.split(r"</ol>|</ul>\s*</section>", cards[0])[0])


def invite_form_in(card: str) -> dict:
    form = re.search(r'<form method="post" action="([^"]+)" class="reviewer-action">(.*?)</form>', card, re.S)
    assert form, "no invite form in the card"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    return {"action": form.group(1), "fields": fields}


_tokens = iter(range(10**6))


def past_review(reviewer, journal, *, title="Older paper", keywords=(), days=20, timeliness=None, quality=None,
                status=A.SUBMITTED, submitter=None):
    """Another paper the person reviewed (or is reviewing, with an open status), built directly as rows."""
    n = next(_tokens)
    other = Submission(journal=journal, submitter=submitter or reviewer, title=title, keywords=list(keywords),
                       status=SubmissionStatus.PUBLISHED, reference=f"OLD-{n}", current_round=1,
                       suggested_reviewers=[], opposed_reviewers=[])
    round_ = ReviewRound(submission=other, number=1)
    invited = utcnow() - timedelta(days=days + 30)
    done = status is A.SUBMITTED
    assignment = ReviewAssignment(
        round=round_, submission=other, reviewer=reviewer, invitee_email=reviewer.email, invitee_name="",
        status=status, token_hash=secrets.token_hex(32), respond_by=invited + timedelta(days=7),
        due_at=invited + timedelta(days=28), label_number=1, created_at=invited,
        completed_at=invited + timedelta(days=days) if done else None,
        rating_timeliness=timeliness, rating_quality=quality)
    db.session.add_all([other, round_, assignment])
    db.session.commit()
    return other


def coauthored_paper(journal, submitter, people: list[tuple[str, str, str]], status=SubmissionStatus.PUBLISHED):
    """Another paper in the system with these (given, family, email) authors."""
    n = next(_tokens)
    other = Submission(journal=journal, submitter=submitter, title=f"Joint paper {n}", keywords=[], status=status,
                       reference=None if status is SubmissionStatus.DRAFT else f"JNT-{n}",
                       suggested_reviewers=[], opposed_reviewers=[])
    other.contributors = [Contributor(position=i, given_name=g, family_name=f, email=e)
                          for i, (g, f, e) in enumerate(people)]
    db.session.add(other)
    db.session.commit()
    return other


# --- ranking ---------------------------------------------------------------------------------------------------

def test_the_pool_is_ranked_expert_first_and_each_rank_is_explained(client, login, paper, make_user):
    journal, submission, people = paper
    reviewer = {journal: Role.REVIEWER}
    make_user(given_name="Nadia", family_name="Novice", roles=reviewer, expertise_keywords=["Exoplanet atmospheres"])
    make_user(given_name="Paul", family_name="Partial", roles=reviewer,
              expertise_keywords=["Thermal modelling of comets"])
    make_user(given_name="Eva", family_name="Expert", roles=reviewer,
              expertise_keywords=["Heat flows", "lunar REGOLITH", "Seismology"])
    veteran = make_user(given_name="Victor", family_name="Veteran", roles=reviewer, expertise_keywords=[])
    past_review(veteran, journal, title="Regolith grain sizes", keywords=["Lunar regolith"])
    past_review(veteran, journal, title="Conductivity of basalt", keywords=["Thermal conductivity"])
    past_review(veteran, journal, title="Mars dust storms", keywords=["Dust"])
    make_user(given_name="Tina", family_name="Textual", roles=reviewer, expertise_keywords=["Buried probes"])

    login(people["editor"])
    page = client.get(find_url(submission)).get_data(as_text=True)
    assert names_in_order(page) == ["Eva Expert", "Victor Veteran", "Tina Textual", "Paul Partial", "Nadia Novice"]
    eva = card_of(page, "Eva Expert")
    assert "Match 6" in eva and "“Heat flows” (one of the paper's keywords, +3)" in eva
    assert "<mark>lunar REGOLITH</mark>" in eva and "<mark>Seismology</mark>" not in eva
    victor = card_of(page, "Victor Veteran")
    assert "reviewed 2 papers on related topics (+4)" in victor and "Reviews completed</dt><dd>3" in victor
    assert "“Buried probes” (in the title or abstract, +2)" in card_of(page, "Tina Textual")
    assert "“Thermal modelling of comets” (partly, +1)" in card_of(page, "Paul Partial")
    assert "No match" in card_of(page, "Nadia Novice")


def test_words_are_normalised_for_matching():
    paper = keyword_service.PaperTerms.of("Craters of icy bodies", "Impact $\\alpha$ fluxes on Mößbauer targets.",
                                          ["Impact craters"])
    assert keyword_service.match_keyword("impact crater", paper).how == "keyword"
    assert keyword_service.match_keyword("Icy body", paper).how == "text"
    assert keyword_service.match_keyword("Mossbauer targets", paper).how == "text"
    assert keyword_service.match_keyword("flux", paper).how == "text"
    assert keyword_service.match_keyword("crater counting", paper).how == "partial"
    assert keyword_service.match_keyword("alpha", paper) is None  # TeX is not text
    assert keyword_service.match_keyword("of the", paper) is None


def test_figures_show_load_last_review_turnaround_and_this_journals_ratings(client, login, paper, make_user,
                                                                           make_journal):
    journal, submission, people = paper
    other_journal = make_journal()
    rosa = make_user(given_name="Rosa", family_name="Lindqvist", roles={journal: Role.REVIEWER})
    past_review(rosa, journal, days=10, timeliness=4, quality=5)
    past_review(rosa, journal, days=20, timeliness=5, quality=4)
    past_review(rosa, other_journal, days=30, timeliness=1, quality=1)  # another journal's editors' opinion
    past_review(rosa, other_journal, status=A.ACCEPTED)
    past_review(rosa, journal, status=A.INVITED)
    past_review(rosa, journal, status=A.DECLINED)

    login(people["editor"])
    card = card_of(client.get(find_url(submission)).get_data(as_text=True), "Rosa Lindqvist")
    assert "Open assignments</dt><dd>2" in card and "Reviews completed</dt><dd>3" in card
    assert "Average turnaround</dt><dd>20 days" in card
    assert "timeliness 4.5, quality 4.5" in card and "2 reviews" in card
    last = (utcnow() - timedelta(days=30 + 10 - 10)).strftime("%-d %B %Y")
    assert f"Last review</dt><dd>{last}" in card


# --- searching -----------------------------------------------------------------------------------------------

@pytest.fixture
def pool(paper, make_user):
    journal, submission, people = paper
    reviewer = {journal: Role.REVIEWER}
    return paper, {
        "rosa": make_user("rosa.l@space.example", given_name="Rosa", family_name="Lindqvist", roles=reviewer,
                          expertise_keywords=["Lunar regolith"]),
        "tomas": make_user("tberg@example.net", given_name="Tomas", family_name="Berg", roles=reviewer,
                           expertise_keywords=["Crater chronology", "Ångström spectroscopy"]),
        "outsider": make_user("olga@far.example", given_name="Olga", family_name="Outsider",
                              expertise_keywords=["Regolith mechanics"]),
    }


@pytest.mark.parametrize("text, expected", [
    ("lindq", ["Rosa Lindqvist"]),
    ("TBERG@", ["Tomas Berg"]),
    ("regolith", ["Rosa Lindqvist"]),
    ("crater berg", ["Tomas Berg"]),
    ("crater rosa", []),
    ("ångström", ["Tomas Berg"]),
    ("50%", []),
])
def test_search_by_name_email_or_keyword_within_the_pool(client, login, pool, text, expected):
    (_journal, submission, people), _users = pool
    login(people["editor"])
    page = client.get(find_url(submission, q=text)).get_data(as_text=True)
    assert names_in_order(page) == expected
    if not expected:
        assert "No one in the journal’s pool matches" in page


def test_searching_everyone_needs_two_characters_and_finds_people_outside_the_pool(client, login, pool):
    (_journal, submission, people), _users = pool
    login(people["editor"])
    for short in ("", "r"):
        page = client.get(find_url(submission, q=short, scope="everyone")).get_data(as_text=True)
        assert "type at least 2 characters" in page and names_in_order(page) == []
    page = client.get(find_url(submission, q="regolith", scope="everyone")).get_data(as_text=True)
    assert names_in_order(page) == ["Rosa Lindqvist", "Olga Outsider"]
    assert "Not yet a reviewer here" in card_of(page, "Olga Outsider")
    assert "Reviews for this journal" in card_of(page, "Rosa Lindqvist")
    # The journal's pool alone does not hold her.
    assert names_in_order(client.get(find_url(submission, q="olga")).get_data(as_text=True)) == []


def test_inviting_from_the_list_reaches_someone_outside_the_pool_with_the_pages_dates_and_returns_to_it(client, login, pool, outbox):
    (_journal, submission, people), users = pool
    login(people["editor"])
    respond_by = (utcnow() + timedelta(days=4)).date().isoformat()
    due = (utcnow() + timedelta(days=40)).date().isoformat()
    page = client.get(find_url(submission, q="olga", scope="everyone", respond_by=respond_by, due_at=due))
    form = invite_form_in(card_of(page.get_data(as_text=True), "Olga Outsider"))
    assert form["fields"]["reviewer_id"] == str(users["outsider"].id)
    assert form["fields"]["respond_by"] == respond_by and form["fields"]["due_at"] == due
    response = client.post(form["action"], data=form["fields"], follow_redirects=True)
    assert "Olga Outsider is invited as Reviewer 1" in response.get_data(as_text=True)
    # Back on the same list (the same search, the same dates), to invite the next one.
    assert response.request.path.endswith("/reviewers/find")
    assert response.request.args["q"] == "olga" and response.request.args["scope"] == "everyone"
    assert response.request.args["due_at"] == due
    assert "In this round already:</strong> invited" in card_of(response.get_data(as_text=True), "Olga Outsider")
    # A refused invitation from the list comes back to the list too, saying why.
    rosa = invite_form_in(card_of(client.get(find_url(submission)).get_data(as_text=True), "Rosa Lindqvist"))
    response = client.post(rosa["action"], data={**rosa["fields"], "due_at": ""}, follow_redirects=True)
    assert response.request.path.endswith("/reviewers/find")
    assert "Give the review's due date." in html.unescape(response.get_data(as_text=True))
    [assignment] = db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.submission_id == submission.id))
    assert assignment.reviewer_id == users["outsider"].id and assignment.status is A.INVITED
    assert assignment.due_at.date().isoformat() == due
    assert [m.template for m in outbox("olga@far.example")] == ["review_invitation"]
    # Now flagged as invited in this round, without a button.
    card = card_of(client.get(find_url(submission, q="olga", scope="everyone")).get_data(as_text=True),
                   "Olga Outsider")
    assert "In this round already:</strong> invited" in card and "<form" not in card


def test_default_dates_are_the_journals_and_impossible_dates_are_refused(client, login, pool):
    (journal, submission, people), _users = pool
    login(people["editor"])
    page = client.get(find_url(submission)).get_data(as_text=True)
    form = invite_form_in(card_of(page, "Rosa Lindqvist"))
    today = utcnow().date()
    assert form["fields"]["respond_by"] == (today + timedelta(days=journal.response_days)).isoformat()
    assert form["fields"]["due_at"] == (today + timedelta(days=journal.review_days)).isoformat()
    page = client.get(find_url(submission, respond_by=today.isoformat(), due_at="2000-01-01")).get_data(as_text=True)
    assert "were not used" in page
    # The same invitation as before (the CSRF token aside: it carries the second it was made in).
    without_token = lambda fields: {k: v for k, v in fields.items() if k != "csrf_token"}  # noqa: E731
    assert without_token(invite_form_in(card_of(page, "Rosa Lindqvist"))["fields"]) == without_token(form["fields"])


# --- the authors' suggestions ------------------------------------------------------------------------------------

SUGGESTED = [
    {"name": "Rosa Lindqvist", "email": "rosa.l@space.example",
     "reason": "Measured regolith conductivity on Apollo samples."},
    {"name": "Noor Haddad", "email": "noor@new.example", "reason": "Built the heat-flow probe we compare with."},
]


def test_suggested_reviewers_are_listed_first_with_their_reasons_and_can_be_invited(client, login, build_paper,
                                                                                   make_user, outbox):
    journal, submission, people = build_paper(suggested=SUGGESTED)
    make_user("rosa.l@space.example", given_name="Rosa", family_name="Lindqvist",
              expertise_keywords=["Lunar regolith"])
    login(people["manager"])
    page = client.get(find_url(submission)).get_data(as_text=True)
    suggested = page.split('id="suggested-title"')[1].split('id="results-title"')[0]
    rosa, noor = card_of(suggested, "Rosa Lindqvist"), card_of(suggested, "Noor Haddad")
    assert "Has an account" in rosa and "Measured regolith conductivity on Apollo samples." in rosa
    assert "Match 3" in rosa and "Open assignments" in rosa
    assert "New to the system" in noor and "Built the heat-flow probe we compare with." in noor
    form = invite_form_in(noor)
    assert form["fields"]["name"] == "Noor Haddad" and form["fields"]["email"] == "noor@new.example"
    assert "reviewer_id" not in form["fields"]
    response = client.post(form["action"], data=form["fields"], follow_redirects=True)
    assert "Noor Haddad is invited as Reviewer 1" in response.get_data(as_text=True)
    assert [m.template for m in outbox("noor@new.example")] == ["review_invitation"]
    rosa_form = invite_form_in(rosa)
    response = client.post(rosa_form["action"], data=rosa_form["fields"], follow_redirects=True)
    assert "Rosa Lindqvist is invited as Reviewer 2" in response.get_data(as_text=True)


# --- conflicts of interest ---------------------------------------------------------------------------------------

OPPOSED = [{"name": "Ivan Petrov", "email": "ivan@rival.example", "reason": "Leads the competing probe team."},
           {"name": "Gale Storm", "email": "gale@storm.example", "reason": "Public dispute over our data."}]


@pytest.fixture
def conflicted(build_paper, make_user):
    """One pool reviewer per conflict, plus a clean one, in a journal of the given mode."""

    def build(mode):
        journal, submission, people = build_paper(mode=mode, slug=mode.value[:6].replace("_", ""), opposed=OPPOSED)
        reviewer = {journal: Role.REVIEWER}
        users = {
            "kenji": make_user(submission.contributors[1].email, given_name="Kenji", family_name="Watanabe",
                               roles=reviewer, affiliation="Kyoto Space Lab"),
            "mei": people["author"],
            "colleague": make_user(given_name="Colin", family_name="Colleague", roles=reviewer,
                                   affiliation="The Kyoto Space Lab"),
            "ivan": make_user(given_name="Ivan", family_name="Petrov", roles=reviewer, affiliation="Moon Institute"),
            "gale": make_user("gale@storm.example", given_name="Gale", family_name="Stormy", roles=reviewer,
                              affiliation="Weather Works"),
            "coauthor": make_user("cora@joint.example", given_name="Cora", family_name="Coauthor", roles=reviewer,
                                  affiliation="Somewhere Else"),
            "drafter": make_user("dora@joint.example", given_name="Dora", family_name="Drafter", roles=reviewer,
                                 affiliation="Nowhere"),
            "clean": make_user(given_name="Clara", family_name="Clean", roles=reviewer, affiliation="Mars Lab"),
        }
        db.session.add(Membership(user=people["author"], journal=journal, role=Role.REVIEWER))
        db.session.commit()
        coauthored_paper(journal, users["coauthor"], [("Cora", "Coauthor", "cora@joint.example"),
                                                      ("Kenji", "Watanabe", submission.contributors[1].email)])
        coauthored_paper(journal, users["drafter"], [("Dora", "Drafter", "dora@joint.example"),
                                                     ("Kenji", "Watanabe", submission.contributors[1].email)],
                         status=SubmissionStatus.DRAFT)
        return journal, submission, people, users

    return build


def test_each_conflict_is_flagged_with_its_reason_for_a_managing_editor(client, login, conflicted):
    _journal, submission, people, _users = conflicted(ReviewMode.DOUBLE_ANONYMOUS)
    login(people["manager"])
    page = client.get(find_url(submission)).get_data(as_text=True)
    kenji = card_of(page, "Kenji Watanabe")
    assert "An author of this paper: cannot review it." in kenji
    assert re.search(r"<button type=\"button\" class=\"button button-small\" disabled>Invite", kenji)
    assert "<form" not in kenji
    assert "An author of this paper" in card_of(page, "Mei Chen")  # the submitter, by account
    colin = card_of(page, "Colin Colleague")
    assert "Shares an affiliation with Kenji Watanabe (Dept. of Physics, Kyoto Space Lab)." in colin
    assert "Invite anyway" in colin and "despite: shares an affiliation with an author" in colin
    ivan = card_of(page, "Ivan Petrov")  # by name, another address
    assert "Opposed by the authors: “Leads the competing probe team.”" in ivan and "Invite anyway" in ivan
    assert "Opposed by the authors: “Public dispute over our data.”" in card_of(page, "Gale Stormy")  # by email
    cora = card_of(page, "Cora Coauthor")
    assert "Co-authored 1 other paper in this system with Kenji Watanabe." in cora and "Invite anyway" in cora
    assert sorted(names_in_order(page)[-2:]) == ["Kenji Watanabe", "Mei Chen"]  # authors last
    for name in ("Dora Drafter", "Clara Clean"):  # a draft is not a publication together
        card = card_of(page, name)
        assert "Conflict:" not in card and "Invite anyway" not in card and ">Invite<" in card


def test_invite_anyway_invites_despite_a_conflict(client, login, conflicted):
    _journal, submission, people, users = conflicted(ReviewMode.DOUBLE_ANONYMOUS)
    login(people["editor"])
    form = invite_form_in(card_of(client.get(find_url(submission)).get_data(as_text=True), "Ivan Petrov"))
    # “Invite anyway” needs its box ticked and a reason (tests/test_conflicts.py holds the invitation without).
    response = client.post(form["action"], data={**form["fields"], "override": "y",
                                                 "override_reason": "The rivalry ended years ago."},
                           follow_redirects=True)
    assert "Ivan Petrov is invited" in response.get_data(as_text=True)


def test_triple_anonymous_handling_editor_gets_flags_without_names_and_no_authors(client, login, conflicted):
    _journal, submission, people, _users = conflicted(ReviewMode.TRIPLE_ANONYMOUS)
    login(people["editor"])
    page = client.get(find_url(submission)).get_data(as_text=True)
    names = names_in_order(page)
    assert "Kenji Watanabe" not in names and "Mei Chen" not in names and "Clara Clean" in names
    assert "Shares an affiliation with an author of this paper." in card_of(page, "Colin Colleague")
    assert "The authors asked that this person not review the paper." in card_of(page, "Ivan Petrov")
    assert "Co-authored another paper in this system with an author of this paper." in card_of(page, "Cora Coauthor")
    for trace in ("Kenji", "Watanabe", "Mei", "Chen", "Dept. of Physics", "kenji@", "mei@", "competing probe",
                  "Public dispute"):
        assert trace not in page, trace
    # The managing editor of the same journal sees who and why.
    client.post("/logout")
    login(people["manager"])
    page = client.get(find_url(submission)).get_data(as_text=True)
    assert "Shares an affiliation with Kenji Watanabe" in page and "Leads the competing probe team." in page


def test_triple_anonymous_handling_editor_sees_suggestions_without_the_authors_reasons(client, login, build_paper):
    _journal, submission, people = build_paper(mode=ReviewMode.TRIPLE_ANONYMOUS, slug="jtri", suggested=SUGGESTED)
    login(people["editor"])
    page = client.get(find_url(submission)).get_data(as_text=True)
    assert "Noor Haddad" in page and "Built the heat-flow probe" not in page and "managing editors only" in page
    client.post("/logout")
    login(people["manager"])
    assert "Built the heat-flow probe" in client.get(find_url(submission)).get_data(as_text=True)


def test_affiliations_compare_the_institution_not_the_department():
    same = search.institution
    assert same("Dept. of Physics, University of Oslo, Norway") == same("The University of Oslo")
    assert same("Universität Bern") == same("University of Bern") == same("universitat bern")
    assert same("Kyoto Space Lab") != same("Kyoto University")
    assert same("Department of Physics, ETH Zürich") != same("Department of Physics, University of Oslo")
    assert same("") == frozenset()


# --- who may use it ---------------------------------------------------------------------------------------------

def test_only_those_who_handle_the_paper_reach_the_page(client, login, paper, make_user, make_journal):
    journal, submission, people = paper
    other = make_journal("other")
    outsiders = {
        "other journal's editor": make_user(roles={other: [Role.MANAGING_EDITOR, Role.EDITOR]}),
        "reviewer": make_user(roles={journal: Role.REVIEWER}),
        "author": people["author"],
    }
    assert client.get(find_url(submission)).status_code == 302  # visitors log in first
    for who, user in outsiders.items():
        login(user)
        assert client.get(find_url(submission)).status_code == 404, who
        assert client.get(f"/editorial/other/submissions/{submission.id}/reviewers/find").status_code == 404, who
        client.post("/logout")
    bystander = make_user(roles={journal: Role.EDITOR})
    login(bystander)
    assert client.get(find_url(submission)).status_code == 403  # an editor of the journal not handling it
    with pytest.raises(PermissionDenied):
        search.find_reviewers(bystander, submission)
    client.post("/logout")
    login(people["editor"])
    page = client.get(f"/editorial/{journal.slug}/submissions/{submission.id}").get_data(as_text=True)
    assert find_url(submission) in page and ">Find reviewers</a>" in page


def test_after_the_decision_the_page_searches_without_invite_buttons(client, login, pool):
    (_journal, submission, people), _users = pool
    db.session.get(Submission, submission.id).status = SubmissionStatus.ACCEPTED
    db.session.commit()
    login(people["manager"])
    page = client.get(find_url(submission)).get_data(as_text=True)
    assert "only searches" in page and "Rosa Lindqvist" in page and "reviewer-action" not in page


# --- a fixed number of queries ------------------------------------------------------------------------------------

def quick_reviewers(journal, count, **fields) -> list[User]:
    """Pool reviewers as plain rows (no password hashing: they never log in)."""
    users = [User(email=f"many{next(_tokens)}@pool.example", password_hash="-", given_name="Many",
                  family_name=f"Reviewer{i:02d}", affiliation=f"Lab {i}", expertise_keywords=["Lunar regolith",
                                                                                             f"Topic {i}"], **fields)
             for i in range(count)]
    db.session.add_all(users + [Membership(user=u, journal=journal, role=Role.REVIEWER) for u in users])
    db.session.commit()
    return users


def test_long_lists_come_25_at_a_time(client, login, paper):
    journal, submission, people = paper
    quick_reviewers(journal, 27)
    login(people["editor"])
    first = client.get(find_url(submission)).get_data(as_text=True)
    assert len(names_in_order(first)) == 25 and "Page 1 of 2" in first and "Next 25" in first
    link = html.unescape(re.search(r'<a href="([^"]+)">Next 25', first).group(1))
    second = client.get(link).get_data(as_text=True)
    assert len(names_in_order(second)) == 2 and "Previous 25" in second
    assert '<span class="reviewer-rank">26.</span>' in second
    assert set(names_in_order(first)).isdisjoint(names_in_order(second))


def _grow_pool(journal, submission, count):
    """Reviewers each with a finished (rated) review, an open one and a paper co-authored with Kenji."""
    kenji_email = submission.contributors[1].email
    for user in quick_reviewers(journal, count):
        past_review(user, journal, keywords=["Heat flow"], timeliness=4, quality=3)
        past_review(user, journal, status=A.ACCEPTED)
        coauthored_paper(journal, user, [("Many", user.family_name, user.email), ("Kenji", "Watanabe", kenji_email)])


def _count_statements(fn) -> int:
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_the_search_takes_the_same_number_of_queries_for_3_or_20_candidates(client, login, build_paper):
    counts = {}
    for size, slug in ((3, "small"), (20, "large")):
        journal, submission, people = build_paper(slug=slug, suggested=SUGGESTED, opposed=OPPOSED)
        _grow_pool(journal, submission, size)
        login(people["manager"])
        url = find_url(submission)
        page = client.get(url).get_data(as_text=True)
        assert len(names_in_order(page)) == size and page.count("Co-authored 1 other paper") == size
        db.session.expire_all()
        fresh = db.session.get(Submission, submission.id)
        manager = people["manager"]
        service_count = _count_statements(lambda: search.find_reviewers(manager, fresh))
        page_count = _count_statements(lambda: client.get(url))
        counts[size] = (service_count, page_count)
        client.post("/logout")
    assert counts[3] == counts[20], counts
    assert counts[3][0] <= 12, counts
