"""The whole journey in Chromium on the production stack, as people do it: by what is on the screen.

Every element is found by its role and visible name or by its label (`get_by_role`, `get_by_label`,
`get_by_text`), never by CSS selectors into the markup. Each person has a browser of their own; every page they
land on is shot (tests/e2e/artifacts/<test>/ or $E2E_ARTIFACTS) and checked by axe-core.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.e2e.requirements import DEMO_PASSWORD
from tests.pdfs import manuscript_pdf

AUTHOR = {"given": "Nadia", "family": "Rahimova", "email": "nadia.rahimova@example.org",
          "affiliation": "Institute of Space Research, Baku", "password": "solar-wind-2026!"}
COAUTHORS = [
    {"given": "Tariq", "family": "Osei", "email": "tariq.osei@example.org", "affiliation": "University of Ghana"},
    {"given": "Ines", "family": "Moreau", "email": "ines.moreau@example.org", "affiliation": "LESIA, Paris"},
]
TITLE = "Solar wind plasma turbulence between 0.3 and 1 AU"
ABSTRACT = ("We measure the spectral index of solar wind plasma turbulence from 0.3 to 1 AU with three "
            "spacecraft and find that it steepens with distance from the Sun.")
KEYWORDS = "solar wind, plasma, heliophysics, turbulence"
MANAGING_EDITOR = "managing.editor@idsea.example"
EDITOR = "editor.ada@idsea.example"
EDITOR_NAME = "Ada Okafor"
REVIEWERS = {"reviewer.sara@idsea.example": "Sara Lindqvist", "reviewer.diego@idsea.example": "Diego Ferreira"}
COMMENTS = {"Minor revision": "The fit range in section 3 needs a sentence of justification.",
            "Accept": "The comparison across the three spacecraft is the strongest part."}
# What must never reach a reviewer in a double-anonymous journal.
QUESTION = "Could you also send the raw magnetometer spectra for the 0.3 AU interval?"
ANSWER = "Yes: they are in the supplementary archive, file spectra-03AU.csv."
THIRD_REVIEWER = ("reviewer.kwame@example.org", "Kwame Mensah")
LATEX_TITLE = "Periodic Dips in the Light Curve of a Quiet Dwarf Star"  # the demo seed's AASTeX letter
PERSONAL_NOTE = "Your 2024 paper on Alfvénic turbulence is why we thought of you."
AUTHOR_SECRETS = [AUTHOR["given"], AUTHOR["family"], "Osei", "Moreau", "Baku"]


def field(scope, label: str):
    """The form field with this visible label; required fields' labels end in "(required)"."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))


def manuscript_file(tmp_path):
    """The author's PDF as a word processor writes it: no names on the pages, but the author in its properties."""
    pdf = manuscript_pdf([TITLE, "Anonymous authors", "1. Introduction"], ["2. Method", "3. Results"],
                         properties={"Author": f"{AUTHOR['given']} {AUTHOR['family']}", "Title": TITLE})
    path = tmp_path / "rahimova-solar-wind-turbulence.pdf"
    path.write_bytes(pdf)
    return path


def no_author_in(page, where: str) -> None:
    """Double-anonymous: nothing on the reviewer's screen names an author."""
    words = set(re.findall(r"\w+", page.get_by_role("main").inner_text()))
    leaked = {secret for secret in AUTHOR_SECRETS if secret in words}
    assert not leaked, f"{where} names {leaked}"


def fill(scope, values: dict[str, str]) -> None:
    """Type each value into the field with that label."""
    for label, value in values.items():
        field(scope, label).fill(value)


def submit_login(person, email: str, password: str = DEMO_PASSWORD, *, then: str = "logged in") -> None:
    """On the login page: the address, the password, the button."""
    fill(person.page, {"Email address": email, "Password": password})
    person.page.get_by_role("button", name="Log in").click()
    person.step(then)


def log_in(person, email: str, password: str = DEMO_PASSWORD) -> None:
    person.goto("/login", "login page")
    submit_login(person, email, password)


def register_and_submit(journey, stack, tmp_path) -> str:
    """1. An author registers, confirms the address from the mail, logs in and submits through the wizard."""
    author = journey.person("author")
    page = author.page
    author.goto("/", "home page")
    page.get_by_role("link", name="Register").click()
    author.step("registration form")
    fill(page, {"Given name": AUTHOR["given"], "Family name": AUTHOR["family"], "Email address": AUTHOR["email"],
                "Password": AUTHOR["password"], "Repeat the password": AUTHOR["password"],
                "Affiliation": AUTHOR["affiliation"]})
    field(page, "Country").select_option(label="Azerbaijan")
    page.get_by_role("button", name="Create account").click()
    author.step("registered")

    # Registering does not log in (an address that has an account gets the same answer): the page says to.
    assert page.get_by_text(f"We sent a mail to {AUTHOR['email']}").is_visible()
    assert page.get_by_role("button", name="Log out").count() == 0

    mail = stack.wait_for_mail(AUTHOR["email"], "onfirm")
    author.goto(stack.link_in(mail, "/verify/"), "email confirmed")
    submit_login(author, AUTHOR["email"], AUTHOR["password"], then="home after login")
    # A first visit: nothing waits yet, and the home says what one can do here.
    assert page.url.endswith("/home")
    assert page.get_by_text("Nothing waits for you just now.").is_visible()
    assert page.get_by_text("Volunteer to review").is_visible()

    page.get_by_role("link", name="Submit").first.click()
    author.step("choose the journal")
    page.get_by_role("link", name="Journal of Deep Space Exploration").click()
    author.step("wizard: journal and section")
    field(page, "Research Article").check()
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Start the submission").click()
    author.step("wizard: metadata")
    field(page, "Title").fill(TITLE)
    field(page, "Abstract").fill(ABSTRACT)
    field(page, "Keywords").fill(KEYWORDS)
    for coauthor in COAUTHORS:
        group = page.get_by_role("group", name="Add an author")
        fill(group, {"Given name": coauthor["given"], "Family name": coauthor["family"],
                     "Email address": coauthor["email"], "Affiliation": coauthor["affiliation"]})
        page.get_by_role("button", name="Add this author").click()
        author.step(f"wizard: co-author {coauthor['family']} added")
        assert page.get_by_text(f"{coauthor['given']} {coauthor['family']}").first.is_visible()
    page.get_by_role("button", name="Save and continue").click()
    author.step("wizard: files")
    field(page, "Manuscript (PDF, or LaTeX source as .zip or .tar.gz)").set_input_files(manuscript_file(tmp_path))
    page.get_by_role("button", name="Upload the manuscript").click()
    author.step("wizard: manuscript uploaded, names found in its properties")
    # The system found the name in the document properties and says the reviewers' copy has none: since no name
    # reaches the reviewers, there is nothing to confirm.
    assert page.get_by_text("document properties").first.is_visible()
    assert page.get_by_text("there is nothing for you to do").first.is_visible()
    assert page.get_by_role("button", name="Keep this file: I confirm the names may stay").count() == 0
    page.get_by_role("link", name="Continue", exact=True).click()
    author.step("wizard: declarations")
    fill(page, {"Cover letter to the editor": "Dear editors, we submit our study of solar wind turbulence.",
                "Competing interests": "None", "Funding": "National Science Foundation of Azerbaijan, grant 42.",
                "Data availability statement": "The spectra are in the supplementary archive."})
    # The demo journal publishes peer review when the authors and each reviewer agree: the authors do.
    field(page, "We agree that the peer review is published with the article if it is accepted").check()
    page.get_by_role("button", name="Save and continue").click()
    author.step("wizard: review and submit")
    page.get_by_role("button", name="Submit the manuscript").click()
    author.step("submitted")
    submission_id = re.search(r"/submissions/(\d+)", page.url).group(1)
    mail = stack.wait_for_mail(AUTHOR["email"], "received")
    reference = re.search(r"JDSE-\d{4}-\d{4}", mail["Subject"]).group(0)
    for coauthor in COAUTHORS:  # each co-author learns they are listed, with a way to object
        stack.wait_for_mail(coauthor["email"], f"You are listed as an author of {reference}")
    return author, submission_id, reference


def assign_and_invite(journey, stack, reference):
    """2. The managing editor assigns a handling editor, who sends the paper to review, finds reviewers with
    the reviewer search and invites two."""
    manager = journey.person("managing-editor")
    page = manager.page
    log_in(manager, MANAGING_EDITOR)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Editorial").click()
    manager.step("editorial start page")
    page.get_by_role("link", name="Journal of Deep Space Exploration").first.click()
    manager.step("queue")
    row = page.get_by_role("row").filter(has_text=TITLE)
    assert "Assign an editor" in row.inner_text()  # the queue says what it needs
    row.get_by_role("link", name=reference).click()
    manager.step("the new paper")
    field(page, "Handling editor").select_option(label=EDITOR_NAME)
    page.get_by_role("button", name="Assign").click()
    manager.step("handling editor assigned")
    assert page.get_by_text(EDITOR_NAME).first.is_visible()

    editor = journey.person("handling-editor")
    page = editor.page
    mail = stack.wait_for_mail(EDITOR, f"Please handle {reference}")
    editor.goto(stack.link_in(mail), "link from the assignment mail")
    submit_login(editor, EDITOR, then="the paper, after logging in")
    page.get_by_role("button", name="Send to review").click()
    editor.step("sent to review")
    paper_url = page.url
    # A question for the authors, in the paper's conversation (they answer it in write_back()).
    page.get_by_role("link", name="Conversation with the authors").click()
    editor.step("conversation with the authors")
    field(page, "Your message").fill(QUESTION)
    page.get_by_role("button", name="Send", exact=True).click()
    editor.step("message sent to the authors")
    assert page.get_by_text(QUESTION).is_visible()
    # A third reviewer, invited by address, with the invitation read and worded first.
    editor.goto(paper_url, "back to the paper")
    fill(page, {"Or someone new: name": THIRD_REVIEWER[1], "Email": THIRD_REVIEWER[0]})
    page.get_by_role("button", name="See the invitation first").click()
    editor.step("the invitation, before it leaves")
    body = field(page, "The invitation")
    assert "{" in body.input_value()  # placeholders, filled in when sent
    body.fill(body.input_value() + "\n\n" + PERSONAL_NOTE)
    page.get_by_role("button", name="Send the invitation").click()
    editor.step("worded invitation sent")
    stack.wait_for_mail(THIRD_REVIEWER[0], "Invitation to review", containing=PERSONAL_NOTE)
    page.get_by_role("link", name="Find reviewers").click()
    editor.step("find reviewers")
    for (email, name), words in zip(REVIEWERS.items(), ("", "space weather")):
        if words:  # the editor searches the pool by expertise
            field(page, "Name, email address or keywords").fill(words)
            page.get_by_role("button", name="Search", exact=True).click()
            editor.step(f"reviewers matching {words}")
            assert page.get_by_role("heading", name=re.compile(f"match(es)? “{words}”")).is_visible()
        else:  # the pool, ranked against the paper: the heliophysicist first
            first = page.get_by_role("heading", level=3).first.inner_text()
            assert name in first, first
        card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=re.compile(name)))
        assert card.count() == 1, f"{name} is not in the reviewer search"
        card.get_by_role("button", name=re.compile(f"^Invite {name}")).click()
        editor.step(f"invited {name}, back on the list")
        assert page.get_by_role("status").filter(has_text=f"{name} is invited").is_visible()
        assert "In this round already" in card.inner_text()
    return manager, editor


def write_back(author, stack, reference) -> None:
    """The author finds the editor's question on their home, unread, and answers it in the conversation."""
    page = author.page
    stack.wait_for_mail(AUTHOR["email"], "message")
    author.goto("/home", "home: an unread message")
    line = page.locator(".task-messages")
    assert "1 unread" in line.inner_text()
    line.get_by_role("link").click()
    author.step("the conversation with the editors")
    assert page.get_by_text(QUESTION).is_visible()
    field(page, "Your message").fill(ANSWER)
    page.get_by_role("button", name="Send", exact=True).click()
    author.step("answer sent")
    assert page.get_by_text(ANSWER).is_visible()
    author.goto("/home", "home: nothing unread")
    assert page.locator(".task-messages").count() == 0


def statistics(editor) -> None:
    """The handling editor looks at how the journal is doing, from the queue."""
    page = editor.page
    editor.goto("/home", "editor's home")
    page.get_by_role("link", name="The editorial queue of Journal of Deep Space Exploration").click()
    editor.step("queue, from the home")
    page.get_by_role("link", name="How the journal is doing: statistics").click()
    editor.step("statistics")
    assert page.locator("svg[role=img]").count() >= 1
    assert page.get_by_role("table").count() >= 2


def review(journey, stack, email, name, reference, recommendation, *, named: bool = False):
    """3. A reviewer opens the invitation from the mail, accepts, downloads the manuscript and reviews it, and
    lets the report be published with the article, named or not (`named`)."""
    reviewer = journey.person(name.split()[0].lower())
    page = reviewer.page
    mail = stack.wait_for_mail(email, "Invitation to review", containing=TITLE)
    for secret in AUTHOR_SECRETS:
        assert secret not in mail.text
    reviewer.goto(stack.link_in(mail), "invitation")
    no_author_in(page, "the invitation page")
    page.get_by_role("button", name="Accept the invitation").click()
    reviewer.step("invitation accepted")
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    reviewer.step("login page")
    submit_login(reviewer, email, then="review form, after logging in")
    assert page.get_by_role("heading", name=TITLE).is_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reviews").click()
    reviewer.step("my reviews")
    page.get_by_role("link", name=TITLE).first.click()
    reviewer.step("review form")
    no_author_in(page, "the review form")
    # The reviewers' copy opens in the browser, from the object store, under its neutral name.
    page.get_by_role("link", name=re.compile(r"^Download .*\.pdf")).click()
    page.wait_for_url(lambda url: not url.startswith(stack.base_url))
    reviewer.step("manuscript opened from the object store")
    response = reviewer.context.request.get(page.url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert f'filename="{reference}-v1.pdf"' in response.headers["content-disposition"], response.headers
    page.go_back()
    reviewer.step("back to the review form")
    pdf = PdfReader(io.BytesIO(response.body()))
    properties = " ".join(str(v) for v in (pdf.metadata or {}).values())
    xmp = pdf.xmp_metadata
    text = " ".join(p.extract_text() for p in pdf.pages)
    for secret in AUTHOR_SECRETS:
        assert secret not in properties, f"the reviewers' copy names the author in its properties: {properties}"
        assert secret not in text
    assert xmp is None or not any(secret in str(xmp.dc_creator) for secret in AUTHOR_SECRETS)
    for criterion in page.get_by_role("group").filter(has=page.get_by_role("radio", name="4 – very good")).all():
        criterion.get_by_role("radio", name="4 – very good").check()
    page.get_by_role("group", name="Recommendation").get_by_role("radio", name=recommendation).check()
    field(page, "Comments to the authors").fill(
        f"The turbulence spectra are convincing. Please add the error bars to figure 2. {COMMENTS[recommendation]}")
    field(page, "Confidential comments to the editor").fill("Sound work; I know the field well.")
    choose_publication(page, named=named)
    page.get_by_label(re.compile("I have finished my review")).check()
    page.get_by_role("button", name="Submit review").click()
    reviewer.step("review submitted")
    return reviewer


def choose_publication(page, *, named: bool) -> None:
    """The journal publishes peer review with consent: the reviewer agrees, and chooses to be named or not."""
    assert page.get_by_text("publishes the peer review with the article when the authors and the reviewer agree")\
        .is_visible()
    field(page, "My report may be published with the article if it is accepted").check()
    name_me = field(page, "Name me with the published report")
    assert not name_me.is_checked()  # anonymous unless the reviewer asks
    if named:
        name_me.check()


def decide(editor, stack, reference, kind: str) -> None:
    """The editor, told by mail that the reviews are in, decides from the submission's page."""
    page = editor.page
    # The editors' labels are given at invitation: the third reviewer, invited first and silent, is Reviewer 1.
    for number in range(2, len(REVIEWERS) + 2):
        stack.wait_for_mail(EDITOR, f"{reference}: Reviewer {number} submitted a review")
    page.get_by_role("link", name="Editorial").first.click()
    editor.step("editorial start page")
    page.get_by_role("link", name="Journal of Deep Space Exploration").first.click()
    editor.step("queue")
    row = page.get_by_role("row").filter(has_text=TITLE)
    row.get_by_role("link", name=reference).click()
    editor.step("the paper, reviews in")
    page.get_by_role("link", name="Decide", exact=True).click()
    editor.step("decision page")
    # The letter starts from the journal's template for this decision (a link: no script needed).
    page.locator("p", has_text="Start the letter from the journal").get_by_role("link", name=kind, exact=True).click()
    editor.step(f"letter for: {kind}")
    page.get_by_role("group", name=re.compile("^Decision")).get_by_role("radio", name=kind, exact=True).check()
    letter = field(page, "Letter to the authors")
    if not letter.input_value().strip():
        letter.fill(f"Dear authors, the decision is: {kind}.")
    page.get_by_role("button", name="Send the decision").click()
    editor.step(f"decided: {kind}")


def revise(author, stack, reference, tmp_path) -> None:
    """4. The author reads the decision with the reviews under their labels, and submits a revision."""
    page = author.page
    mail = stack.wait_for_mail(AUTHOR["email"], f"Decision on {reference}")
    assert "Minor revision" in mail.text or "minor revision" in mail.text
    for name in REVIEWERS.values():  # the reviewers stay anonymous in the letter
        assert not set(name.split()) & set(re.findall(r"\w+", mail.text)), name
    author.goto(stack.link_in(mail), "the decision, from the mail")
    for label in ("Reviewer 1", "Reviewer 2"):
        shared = page.get_by_role("article", name=label)
        assert shared.is_visible(), f"the author does not see {label}"
        assert "error bars" in shared.inner_text()
    assert set(COMMENTS.values()) <= {page.get_by_role("article", name=label).inner_text().split("figure 2. ")[-1].strip()
                                      for label in ("Reviewer 1", "Reviewer 2")}
    body = page.get_by_role("main").inner_text()
    for name in REVIEWERS.values():  # neither given nor family name of a reviewer
        assert not set(name.split()) & set(re.findall(r"\w+", body)), name
    assert "I know the field well" not in body  # confidential comments stay with the editor
    page.get_by_role("link", name="Revise").first.click()
    author.step("revision page")
    path = tmp_path / "rahimova-revised.pdf"
    path.write_bytes(manuscript_pdf([TITLE, "Anonymous authors", "Revised"], ["3. Results, with error bars"]))
    field(page, "Manuscript (PDF, or LaTeX source as .zip or .tar.gz)").set_input_files(path)
    page.get_by_role("button", name=re.compile("^Upload")).first.click()
    author.step("revised manuscript uploaded")
    field(page, "Response to the reviewers").fill(
        "Reviewer 1 and Reviewer 2: we added the error bars to figure 2, as both asked.")
    page.get_by_role("button", name="Submit the revision").click()
    author.step("revision submitted")


def produce_and_publish(manager, author, stack, reference, submission_id, tmp_path) -> str:
    """5. Production: galley, metadata confirmed, proofs approved by the author; the journal turns to continuous
    publishing, the article is published online first and later gathered into an issue."""
    page = manager.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Editorial").click()
    manager.step("editorial start page")
    page.get_by_role("main").get_by_role("link", name="Production").first.click()
    manager.step("production list")
    page.get_by_role("row").filter(has_text=TITLE).get_by_role("link").first.click()
    manager.step("production of the accepted paper")
    page.get_by_role("button", name="Start production").click()
    manager.step("production started")
    galley = tmp_path / "galley.pdf"
    galley.write_bytes(manuscript_pdf([TITLE, f"{AUTHOR['given']} {AUTHOR['family']}, Tariq Osei, Ines Moreau"],
                                      ["Results"], ["References"]))
    field(page, "Galley (the final PDF readers download)").set_input_files(galley)
    page.get_by_role("button", name="Upload the galley").click()
    manager.step("galley uploaded")
    page.get_by_role("link", name="Check and confirm the metadata").click()
    manager.step("metadata form")
    page.get_by_role("button", name="Confirm the metadata").click()
    manager.step("metadata confirmed")
    assert page.get_by_text("Creative Commons Attribution 4.0 International (CC BY 4.0)").first.is_visible()
    page.get_by_role("button", name="Send the proofs to the author").click()
    manager.step("proofs sent")

    mail = stack.wait_for_mail(AUTHOR["email"], f"Proofs of {reference}")
    author.goto(stack.link_in(mail), "proofs, from the mail")
    author.page.get_by_role("button", name="Approve the proofs").click()
    author.step("proofs approved")

    # The journal turns to continuous publishing: online only, articles cited by their article number.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Manage").click()
    manager.step("journals to manage")
    page.get_by_role("main").get_by_role("link", name="Journal of Deep Space Exploration").click()
    manager.step("journal settings")
    field(page, "Publish continuously (online first)").check()
    field(page, "The journal prints (page numbers required)").uncheck()
    page.get_by_role("button", name="Save settings").click()
    manager.step("settings saved: online first")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Production").click()
    manager.step("production, the manager's journals")
    page.get_by_role("main").get_by_role("link", name=re.compile("Journal of Deep Space Exploration")).first.click()
    manager.step("production list")
    page.get_by_role("row").filter(has_text=TITLE).get_by_role("link").first.click()
    manager.step("production of the paper, proofs approved")
    assert page.get_by_text("Approved").first.is_visible()
    page.get_by_role("button", name="Publish online now").click()
    manager.step("published online first")
    assert page.get_by_text(re.compile(r"Published online first as e\d+")).is_visible()
    number = re.search(r"Article number: (e\d+)", page.get_by_role("main").inner_text()).group(1)
    published = stack.wait_for_mail(AUTHOR["email"], "Published:")

    # Later an issue gathers it, from the issue's own page; its DOI and article number stay.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Production").click()
    manager.step("production list")
    page.get_by_role("link", name="Issues").first.click()
    manager.step("issues")
    fill(page, {"Volume": "1", "Number": "3", "Year": "2026", "Title (optional)": "Heliophysics"})
    page.get_by_role("button", name="Create the issue").click()
    manager.step("issue created")
    page.get_by_role("checkbox", name=TITLE).check()
    page.get_by_role("button", name="Add the ticked articles").click()
    manager.step("online-first article added to the issue")
    page.get_by_role("button", name=re.compile(r"^Publish Vol\. 1 No\. 3")).click()
    manager.step("issue published")
    page.get_by_role("link", name=TITLE).first.click()
    manager.step("the article's production page, in its issue")
    assert number in page.get_by_role("main").inner_text()
    return published


def read_as_a_reader(journey, stack, reference, *, width: int = 1280) -> None:
    """6. A reader, not logged in, finds the article through search, opens it, and downloads the PDF and BibTeX."""
    reader = journey.person(f"reader-{width}px", width=width, height=900 if width > 500 else 740)
    page = reader.page
    overflow = []

    def look(label):
        reader.step(label)
        measured = journey.overflow(reader)
        if measured["scrollWidth"] > measured["clientWidth"]:
            overflow.append(f"{label} ({page.url}): {measured}")

    page.goto(stack.url("/"))
    look("home")
    for nav in ("Main", "Your account"):  # every navigation link whole on the screen, big enough to tap
        for link in page.get_by_role("navigation", name=nav).get_by_role("link").all():
            box = link.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (nav, link.inner_text(), box)
            assert box["height"] >= 24, (nav, link.inner_text(), box)  # WCAG 2.2 target size (minimum)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    look("search page")
    page.get_by_role("searchbox").first.fill("solar wind turbulence")
    page.get_by_role("searchbox").first.press("Enter")
    look("search results")
    page.get_by_role("link", name=TITLE).first.click()
    look("article page")
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name=TITLE).is_visible()
    for name in (AUTHOR["family"], "Osei", "Moreau"):
        assert name in main.inner_text()
    doi = re.search(r"10\.\d{4,9}/\S+", main.inner_text()).group(0)

    # The PDF opens in the browser, from the object store; the reader keeps what the browser received.
    main.get_by_role("link", name="Download PDF").click()
    page.wait_for_url(lambda url: not url.startswith(stack.base_url))
    reader.step("PDF opened")
    response = reader.context.request.get(page.url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert ".pdf" in response.headers["content-disposition"]
    assert TITLE in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    page.go_back()
    look("back on the article page")
    main = page.get_by_role("main")
    with page.expect_download() as info:
        main.get_by_role("link", name=re.compile("BibTeX")).first.click()
    bibtex = open(info.value.path(), encoding="utf-8").read()
    assert info.value.suggested_filename.endswith(".bib")
    assert doi.rstrip(".") in bibtex and "Rahimova" in bibtex and "Solar wind plasma turbulence" in bibtex
    reader.step("BibTeX downloaded")

    # The demo's letter written in AASTeX: its HTML full text, made from the LaTeX source with LaTeXML.
    page.goto(stack.url("/j/pil/"))
    look("Planetary Instruments Letters")
    page.get_by_role("link", name=LATEX_TITLE).first.click()
    look("article page with its full text")
    main = page.get_by_role("main")
    contents = main.get_by_role("navigation", name="Contents")
    assert contents.get_by_role("link").all_inner_texts()[:3] == [
        "1 Introduction", "2 Observations and results", "3 Conclusion"]
    contents.get_by_role("link", name="2 Observations and results").click()
    assert main.get_by_role("heading", name="2 Observations and results").is_visible()
    look("full text: section 2")
    figure = main.get_by_role("figure").filter(has_text="Relative brightness of the star")
    picture = figure.locator("img")  # alt="" (its caption says what it shows), so no role to find it by
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    assert box and box["width"] > 100 and box["x"] + box["width"] <= width  # the PDF figure, drawn, on screen
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", picture.element_handle())
    assert main.get_by_role("math").count() >= 1  # the equation as MathML
    assert main.get_by_text("is the version of record").is_visible()
    look("full text: figure")
    assert not overflow, f"pages scroll sideways at {width} px:\n" + "\n".join(overflow)
    return reader


def use_the_api(author, stack) -> None:
    """The author makes a personal access token on the profile, opens the API's docs from the footer (drawn by the
    site itself: nothing is fetched from another origin) and lists the papers with the token, as a script would."""
    page = author.page
    author.goto("/", "home page, before the API")
    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name=f"{AUTHOR['given']} {AUTHOR['family']}").click()
    author.step("profile")
    page.get_by_role("link", name="API tokens").click()
    author.step("API tokens")
    fill(page, {"Name": "My reference manager"})
    field(page, "What it may do").select_option(label="Read only")
    page.get_by_role("button", name="Make the token").click()
    author.step("token made")
    secret = re.search(r"jnl_[\w-]+", page.get_by_role("status").inner_text()).group(0)
    assert page.get_by_role("cell", name="My reference manager", exact=True).is_visible()

    fetched: list[str] = []

    def note(request) -> None:
        fetched.append(request.url)

    page.on("request", note)
    page.get_by_role("link", name="API for developers").click()
    author.step("API docs")
    assert page.get_by_role("heading", name="API documentation", level=1).is_visible()
    assert page.get_by_role("heading", name="GET /api/v1/me/submissions").is_visible()
    assert page.get_by_role("heading", name="POST /api/v1/submissions/{submission_id}/manuscript").is_visible()
    page.remove_listener("request", note)
    origin = stack.base_url.rstrip("/") + "/"
    assert fetched and all(url.startswith(origin) for url in fetched), \
        f"the docs page fetched from elsewhere: {[u for u in fetched if not u.startswith(origin)]}"

    # A script has the token and nothing else: no cookie of the author's browser.
    script = author.journey.browser.new_context(base_url=stack.base_url)
    try:
        refused = script.request.get("/api/v1/me/submissions")
        assert refused.status == 401 and refused.headers["content-type"].startswith("application/problem+json")
        answer = script.request.get("/api/v1/me/submissions", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status == 200, answer.text()
        papers = answer.json()["items"]
        assert [(p["title"], p["status"]) for p in papers] == [(TITLE, "published")]
        published = script.request.get("/api/v1/journals/jdse/articles?limit=100").json()["items"]
        assert TITLE in [a["title"] for a in published]  # the public read needs no token
    finally:
        script.close()
    author.journey.assert_accessible()  # the pages of this step too


def read_the_peer_review(journey, stack, *, width: int = 1280) -> None:
    """7. A reader opens the article's Peer review tab: the reports of the round, the decision letters and the
    authors' response, dated, with DOIs; the named reviewer with the ORCID iD, the anonymous one under a label."""
    reader = journey.person(f"peer-review-reader-{width}px", width=width, height=900 if width > 500 else 740)
    page = reader.page
    page.goto(stack.url("/search?q=solar+wind+turbulence"))
    reader.step("search results")
    page.get_by_role("link", name=TITLE).first.click()
    reader.step("article page")
    page.get_by_role("navigation", name="Article pages").get_by_role("link", name="Peer review").click()
    reader.step("peer review page")
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name="Peer review", level=1).is_visible()
    assert main.get_by_role("heading", name="Round 1", exact=True).is_visible()
    assert main.get_by_role("heading", name="Review report: Sara Lindqvist").is_visible()
    assert main.get_by_role("heading", name=re.compile(r"^Review report: Reviewer \d$")).count() == 1
    assert main.get_by_role("heading", name="Decision letter", exact=True).count() == 2
    assert main.get_by_role("heading", name="Authors’ response to the decision on round 1").is_visible()
    assert main.get_by_role("link", name=re.compile(r"^https:\/\/doi\.org\/10\.\d+\/.+\.r1\.1$")).count() == 1
    text = page.content()
    anonymous = REVIEWERS["reviewer.diego@idsea.example"]
    for word in (*anonymous.split(), "reviewer.diego"):  # the anonymous reviewer is named nowhere on the page
        assert word not in text, word
    assert "I know the field well" not in text  # confidential comments are never published
    measured = journey.overflow(reader)
    assert measured["scrollWidth"] <= measured["clientWidth"], f"the peer review page scrolls sideways: {measured}"


def test_the_whole_journey_in_chromium(journey, live_stack, tmp_path):
    author, submission_id, reference = register_and_submit(journey, live_stack, tmp_path)
    manager, editor = assign_and_invite(journey, live_stack, reference)
    write_back(author, live_stack, reference)
    for (email, name), recommendation in zip(REVIEWERS.items(), ("Minor revision", "Accept")):
        review(journey, live_stack, email, name, reference, recommendation,
               named=email == "reviewer.sara@idsea.example")
    decide(editor, live_stack, reference, "Minor revision")
    revise(author, live_stack, reference, tmp_path)
    live_stack.wait_for_mail(EDITOR, f"Revision of {reference} submitted")
    decide(editor, live_stack, reference, "Accept")
    produce_and_publish(manager, author, live_stack, reference, submission_id, tmp_path)
    statistics(editor)
    read_as_a_reader(journey, live_stack, reference)
    read_as_a_reader(journey, live_stack, reference, width=375)
    read_the_peer_review(journey, live_stack)
    read_the_peer_review(journey, live_stack, width=375)
    journey.assert_accessible()
    use_the_api(author, live_stack)
    sign_up_with_orcid(journey)


NEW_RESEARCHER = {"orcid": "0000-0001-6180-3390", "given": "Leilani", "family": "Kahale",
                  "email": "leilani.kahale@example.org"}


def orcid_consent(person, label: str) -> None:
    """At the provider standing in for ORCID (oidc-provider-mock's consent form): sign in as the iD and allow."""
    page = person.page
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
    person.step(label)
    page.get_by_placeholder("sub").fill(NEW_RESEARCHER["orcid"])
    page.get_by_role("button", name="Authorize").click()


def sign_up_with_orcid(journey) -> None:
    """A new researcher signs up with ORCID: consent at the provider, the few fields ORCID does not give, then
    signed in with ORCID, their profile shows the iD as authenticated (the iD icon, the record's URL)."""
    person = journey.person("orcid researcher")
    page = person.page
    person.goto("/register", "registration with ORCID")
    assert page.get_by_text("Local test provider").first.is_visible()  # the stand-in says it is not ORCID
    page.get_by_role("button", name="Sign up with ORCID").click()
    orcid_consent(person, "ORCID consent (sign-up)")
    page.wait_for_url(re.compile(r".*/orcid/sign-up$"))
    person.step("ORCID sign-up form")
    assert page.get_by_text(f"https://orcid.org/{NEW_RESEARCHER['orcid']}").is_visible()
    fill(page, {"Given name": NEW_RESEARCHER["given"], "Family name": NEW_RESEARCHER["family"],
                "Email address": NEW_RESEARCHER["email"]})
    page.get_by_role("button", name="Create account").click()
    person.step("signed up with ORCID")
    assert page.get_by_text(f"We sent a mail to {NEW_RESEARCHER['email']}").is_visible()
    page.get_by_role("button", name="Sign in with ORCID").click()
    orcid_consent(person, "ORCID consent (sign-in)")
    page.wait_for_url(re.compile(r".*/home$"))
    person.step("signed in with ORCID")
    assert page.get_by_text(f"Welcome back, {NEW_RESEARCHER['given']}.").is_visible()
    person.goto("/account/profile", "profile with the authenticated iD")
    badge = page.locator(f"a.orcid-id[href='https://orcid.org/{NEW_RESEARCHER['orcid']}']")
    assert badge.is_visible() and badge.locator("svg.orcid-icon").count() == 1
    journey.assert_accessible()
