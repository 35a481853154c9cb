"""The whole peer-review cycle through HTTP, every mail delivered to a real SMTP server and read from there.

submit → assign → send to review → invite three → one declines, two accept through their mail links (one of
them a new person, who chooses a password through the mail) → reviews → major revision → resubmission →
round 2 with the same reviewers → accept. Runs on SQLite and PostgreSQL like the rest of the suite.
"""

import io
import re
from datetime import date, timedelta

import lxml.html
import pytest

from journal.extensions import db
from journal.models import AssignmentStatus, ReviewMode, Role, Submission, SubmissionStatus
from tests.conftest import PASSWORD
from tests.pdfs import manuscript_pdf

S = SubmissionStatus
CONFIDENTIAL = "Confidential: the calibration table looks copied from the 2019 proposal."
AUTHOR_SECRETS = ("Mei", "Chen", "mei@example.org", "Li Wei", "li@example.org", "Hefei Institute")
REVIEWER_SECRETS = ("Rosa", "Lindqvist", "rosa@example.org", "Vera", "Rubin", "vera@example.org", "Tomas", "Berg",
                    "tomas@example.org", "calibration table looks copied")


@pytest.fixture
def app_config(app_config, smtp_sink):
    return type("CycleConfig", (app_config,), {"MAIL_URL": smtp_sink.url,
                                               "MAIL_FROM": "JDSE <no-reply@journal.test>"})


@pytest.fixture
def deliver(runner, smtp_sink):
    """Run the mail worker once, as the operator's `flask journal send-mail` would, and return what arrived
    since the last call, by recipient."""
    seen = {"count": 0}

    def run() -> dict[str, list]:
        result = runner.invoke(args=["journal", "send-mail", "--once"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        new = smtp_sink.messages[seen["count"]:]
        seen["count"] = len(smtp_sink.messages)
        by_recipient: dict[str, list] = {}
        for delivery in new:
            for address in delivery.rcpt_tos:
                by_recipient.setdefault(address.lower(), []).append(delivery)
        return by_recipient

    return run


def link(delivery, pattern: str = r"http://journal\.test(/\S+)") -> str:
    match = re.search(pattern, delivery.text)
    assert match, delivery.text
    return match.group(1)


def form_value(html: str, name: str) -> str:
    """The field's value; several forms on a page carry the same hidden version, the first is taken."""
    tree = lxml.html.fromstring(html)
    node = tree.xpath(f"//*[@name='{name}']")[0]
    return node.text_content() if node.tag == "textarea" else node.get("value")


def no_secret(texts, secrets, where):
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked in {where}:\n{text[:3000]}"


@pytest.fixture
def office(make_journal, make_user):
    journal = make_journal("jdse", reference_prefix="JDSE", review_mode=ReviewMode.DOUBLE_ANONYMOUS,
                           reviews_required=2, submission_checklist=[])
    return {
        "journal": journal,
        "author": make_user("mei@example.org", given_name="Mei", family_name="Chen", affiliation="Hefei Institute"),
        "manager": make_user("lin@example.org", given_name="Lin", family_name="Zhao",
                             roles={journal: Role.MANAGING_EDITOR}),
        "editor": make_user("ada@example.org", given_name="Ada", family_name="Okafor", roles={journal: Role.EDITOR}),
        "rosa": make_user("rosa@example.org", given_name="Rosa", family_name="Lindqvist",
                          roles={journal: Role.REVIEWER}),
        "tomas": make_user("tomas@example.org", given_name="Tomas", family_name="Berg",
                           roles={journal: Role.REVIEWER}),
    }


def submit_through_the_wizard(client, journal) -> int:
    response = client.post(f"/j/{journal.slug}/submit", data={"section_id": str(journal.sections[0].id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    submission_id = int(re.search(r"/submissions/(\d+)/", response.headers["Location"]).group(1))
    url = f"/submissions/{submission_id}"
    metadata = {"title": "Regolith heat flow over three lunar nights", "keywords": "moon, regolith, heat flow",
                "language": "en", "abstract": "We measured the heat flow through the lunar regolith over three "
                                              "lunar nights with a new probe and compare it with models."}
    response = client.post(f"{url}/metadata", data={**metadata, "action": "add_author",
                                                    "author-given_name": "Li", "author-family_name": "Wei",
                                                    "author-email": "li@example.org",
                                                    "author-affiliation": "Hefei Institute", "author-country": "CN"})
    assert response.status_code == 302
    assert client.post(f"{url}/metadata", data={**metadata, "action": "continue"}).status_code == 302
    pdf = manuscript_pdf(["Regolith heat flow over three lunar nights", "Anonymous authors"], ["Results."])
    response = client.post(f"{url}/files/manuscript", data={"manuscript": (io.BytesIO(pdf), "chen-heat-flow.pdf")})
    assert response.status_code == 302
    response = client.post(f"{url}/declarations", data={
        "cover_letter": "Dear editors,", "competing_interests": "None", "funding": "None",
        "data_availability": "On request.", "action": "continue"})
    assert response.status_code == 302
    review_page = client.get(f"{url}/review").get_data(as_text=True)
    response = client.post(f"{url}/submit", data={"version": form_value(review_page, "version")})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    return submission_id


def write_review(client, login, reviewer, invitation_delivery, *, recommendation, comments):
    """The reviewer logs in, opens the review page from My reviews, downloads the manuscript, submits."""
    login(reviewer)
    my_reviews = client.get("/review/").get_data(as_text=True)
    [review_url] = [href for href in lxml.html.fromstring(my_reviews).xpath("//a/@href")
                    if re.fullmatch(r"/review/assignments/\d+", href)][:1]
    page = client.get(review_url).get_data(as_text=True)
    no_secret([page], AUTHOR_SECRETS, f"the review page of {reviewer.email}")
    download = client.get(f"{review_url}/manuscript")
    assert download.status_code == 302
    data = {f"score_{key}": "4" for key in ("originality", "significance", "soundness", "clarity")}
    response = client.post(review_url, data={**data, "recommendation": recommendation, "comments_to_authors": comments,
                                              "confidential_comments": CONFIDENTIAL, "finished": "y",
                                              "action": "submit"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return review_url


def test_the_whole_cycle_through_http_with_every_mail_in_the_smtp_sink(client, login, office, deliver, smtp_sink):
    journal, people = office["journal"], office
    today = date.today()
    dates = {"respond_by": (today + timedelta(days=7)).isoformat(), "due_at": (today + timedelta(days=28)).isoformat()}

    # 1. The author submits with a co-author.
    login(people["author"])
    submission_id = submit_through_the_wizard(client, journal)
    submission = db.session.get(Submission, submission_id)
    reference = submission.reference
    mails = deliver()
    assert [m["Subject"] for m in mails["mei@example.org"]][0].startswith(f"{reference}") or \
        reference in mails["mei@example.org"][0]["Subject"]
    assert "li@example.org" in mails  # the co-author is told, with a link to object
    assert "lin@example.org" in mails  # the managing editor hears of the new submission
    editorial = f"/editorial/jdse/submissions/{submission_id}"

    # 2. The managing editor assigns the handling editor, who is told.
    login(people["manager"])
    page = client.get(editorial).get_data(as_text=True)
    response = client.post(f"{editorial}/assign", data={"editor_id": people["editor"].id,
                                                        "version": form_value(page, "version")})
    assert response.status_code == 302
    mails = deliver()
    [assigned] = mails["ada@example.org"]
    assert link(assigned) == editorial

    # 3. The editor sends it to review and invites three: two reviewers of the pool and a new person.
    login(people["editor"])
    page = client.get(editorial).get_data(as_text=True)
    assert client.post(f"{editorial}/send-to-review", data={"version": form_value(page, "version")}).status_code == 302
    for invitee in ({"reviewer_id": people["rosa"].id}, {"reviewer_id": people["tomas"].id},
                    {"reviewer_id": 0, "name": "Vera Rubin", "email": "vera@example.org"}):
        response = client.post(f"{editorial}/reviewers/invite", data={**invitee, **dates})
        assert response.status_code == 302
    mails = deliver()
    invitations = {address: mails[address][0] for address in ("rosa@example.org", "tomas@example.org",
                                                               "vera@example.org")}
    no_secret([m.text + m["Subject"] for m in invitations.values()], AUTHOR_SECRETS, "the invitation mails")
    assert all("Regolith heat flow" in m.text for m in invitations.values())

    # 4. Through the mail links, without logging in: Tomas declines, Rosa and Vera accept.
    client.post("/logout")
    tomas_link = link(invitations["tomas@example.org"])
    no_secret([client.get(tomas_link).get_data(as_text=True)], AUTHOR_SECRETS, "the invitation page")
    response = client.post(f"{tomas_link}/decline", data={"reason": "On a field campaign until March."})
    assert response.status_code == 200
    for address in ("rosa@example.org", "vera@example.org"):
        response = client.post(f"{link(invitations[address])}/accept", data={})
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    mails = deliver()
    answered = [m["Subject"] for m in mails["ada@example.org"]]
    assert len(answered) == 3 and sum("declined" in s for s in answered) == 1
    # Vera had no account: one was made, and she chooses her password through the mail.
    [welcome] = mails["vera@example.org"]
    reset_link = link(welcome)
    response = client.post(reset_link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    deliver()  # "your password was changed"
    from sqlalchemy import select

    from journal.models import User

    people["vera"] = db.session.scalar(select(User).where(User.email == "vera@example.org"))

    # 5. Both reviewers write and submit their reviews; the editor is told of each.
    write_review(client, login, people["rosa"], invitations["rosa@example.org"], recommendation="major_revision",
                 comments="Reviewer comment A: the conductivity model ignores depth; please add the profile.")
    write_review(client, login, people["vera"], invitations["vera@example.org"], recommendation="minor_revision",
                 comments="Reviewer comment B: figure 3 needs error bars.")
    mails = deliver()
    assert len(mails["ada@example.org"]) == 2

    # 6. Major revision: the letter carries both reviews under their labels, never a name.
    login(people["editor"])
    form = client.get(f"{editorial}/decide?kind=major_revision").get_data(as_text=True)
    letter = form_value(form, "letter")
    assert "Reviewer 1" in letter and "Reviewer 2" in letter and "Reviewer comment A" in letter
    no_secret([letter], REVIEWER_SECRETS, "the decision letter")
    response = client.post(f"{editorial}/decide", data={"kind": "major_revision", "letter": letter,
                                                        "version": form_value(form, "version")})
    assert response.status_code == 302
    mails = deliver()
    [decision] = mails["mei@example.org"]
    assert "li@example.org" in [a.lower() for a in decision.rcpt_tos]  # copied to the co-author
    assert "Reviewer comment A" in decision.text and "Reviewer comment B" in decision.text
    no_secret([decision.text, decision["Subject"]], REVIEWER_SECRETS, "the decision mail")
    assert mails["rosa@example.org"] and mails["vera@example.org"]  # thanked and told the decision

    # 7. The author reads the reviews under their labels, uploads a revision and a response, resubmits.
    login(people["author"])
    page = client.get(f"/submissions/{submission_id}").get_data(as_text=True)
    assert "Reviewer 1" in page and "Reviewer comment A" in page
    no_secret([page], REVIEWER_SECRETS, "the author's page")
    pdf = manuscript_pdf(["Regolith heat flow over three lunar nights", "Revised"], ["Results with a profile."])
    response = client.post(f"/submissions/{submission_id}/files/manuscript",
                           data={"manuscript": (io.BytesIO(pdf), "chen-heat-flow-v2.pdf")})
    assert response.status_code == 302
    revise = client.get(f"/submissions/{submission_id}/revise").get_data(as_text=True)
    response = client.post(f"/submissions/{submission_id}/resubmit", data={
        "response": "Reviewer 1: we added the conductivity profile. Reviewer 2: figure 3 has error bars now.",
        "version": form_value(revise, "version")})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.status is S.SUBMITTED and submission.current_round == 2
    mails = deliver()
    assert mails["ada@example.org"] and mails["mei@example.org"]

    # 8. Round 2 goes to the same two reviewers in one action; they accept through the new links.
    login(people["editor"])
    page = client.get(editorial).get_data(as_text=True)
    response = client.post(f"{editorial}/send-to-previous-reviewers", data={"version": form_value(page, "version")})
    assert response.status_code == 302
    mails = deliver()
    assert set(mails) >= {"rosa@example.org", "vera@example.org"} and "tomas@example.org" not in mails
    client.post("/logout")
    for address in ("rosa@example.org", "vera@example.org"):
        assert client.post(f"{link(mails[address][0])}/accept", data={}).status_code == 200
    deliver()
    for who in ("rosa", "vera"):
        login(people[who])
        my_reviews = client.get("/review/").get_data(as_text=True)
        round_two = [href for href in lxml.html.fromstring(my_reviews).xpath("//a/@href")
                     if re.fullmatch(r"/review/assignments/\d+", href)][0]
        page = client.get(round_two).get_data(as_text=True)
        assert "we added the conductivity profile" in page  # the authors' response beside their earlier review
        data = {f"score_{key}": "5" for key in ("originality", "significance", "soundness", "clarity")}
        response = client.post(round_two, data={**data, "recommendation": "accept", "finished": "y",
                                                "comments_to_authors": "All my points are answered; accept.",
                                                "confidential_comments": "", "action": "submit"})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    deliver()

    # 9. Accept.
    login(people["editor"])
    form = client.get(f"{editorial}/decide?kind=accept").get_data(as_text=True)
    response = client.post(f"{editorial}/decide", data={"kind": "accept", "letter": form_value(form, "letter"),
                                                        "version": form_value(form, "version")})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.status is S.ACCEPTED
    mails = deliver()
    [accepted] = mails["mei@example.org"]
    assert "Accept" in accepted.text or "accept" in accepted.text
    no_secret([accepted.text], REVIEWER_SECRETS, "the acceptance")

    # Every mail of the cycle left through SMTP; none to a reviewer names an author, none to an author a reviewer.
    for delivery in smtp_sink.messages:
        recipients = {a.lower() for a in delivery.rcpt_tos}
        if recipients & {"rosa@example.org", "vera@example.org", "tomas@example.org"}:
            no_secret([delivery.text, delivery["Subject"]], AUTHOR_SECRETS, f"a reviewer's mail {delivery['Subject']}")
        if recipients & {"mei@example.org", "li@example.org"}:
            no_secret([delivery.text, delivery["Subject"]], REVIEWER_SECRETS, f"an author's mail {delivery['Subject']}")
    statuses = sorted(a.status.value for a in db.session.scalars(select(
        __import__("journal.models", fromlist=["ReviewAssignment"]).ReviewAssignment)))
    assert statuses == sorted([AssignmentStatus.DECLINED.value] + [AssignmentStatus.SUBMITTED.value] * 4)
