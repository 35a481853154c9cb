"""A file over the per-file limit is refused on the form, with the rest of the page kept."""

import io

import lxml.html
import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import SubmissionFile


@pytest.fixture
def app_config(app_config):
    return type("SmallFiles", (app_config,), {"UPLOAD_FILE_MAX_MB": 1})


def test_a_too_large_supplement_is_refused_beside_its_field_and_the_description_is_kept(client, login, make_user,
                                                                                        make_journal):
    journal = make_journal("jdse", reference_prefix="JDSE")
    login(make_user())
    response = client.post(f"/j/{journal.slug}/submit", data={"section_id": str(journal.sections[0].id)})
    url = response.headers["Location"].rsplit("/", 1)[0]
    big = io.BytesIO(b"0" * (1024 * 1024 + 10))
    response = client.post(f"{url}/files/supplements",
                           data={"supplement": (big, "radar.csv"), "description": "Radar echoes, 2026 campaign"})
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    errors = [e.text_content().strip() for e in tree.xpath("//*[contains(@class, 'field-error')]")]
    assert any("larger than the limit of 1 MB" in e for e in errors), errors
    assert tree.xpath("//input[@name='description']/@value") == ["Radar echoes, 2026 campaign"]
    assert db.session.scalars(select(SubmissionFile)).all() == []
