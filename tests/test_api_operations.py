"""The README's table of the API's operations is the served OpenAPI document's (journal/web/api/operations.py):
every operation once, with the scope its token needs and who may call it, and nothing the API does not have."""

import re
from pathlib import Path

from journal.web.api.operations import table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_lists_every_operation_as_the_document_says(app, client):
    block = re.search(r"<!-- api-operations -->\n(.*?)\n<!-- /api-operations -->", README.read_text(), re.S)
    assert block, "the README's API section has lost its table markers"
    with app.test_request_context("/"):
        expected = table()
    assert block.group(1) == expected, "the README's API table is stale: paste `flask journal api-operations`"
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = sum(1 for item in spec["paths"].values() for method in item if method in ("get", "post", "put"))
    assert len(expected.splitlines()) == 2 + operations
    writes = [line for line in expected.splitlines() if line.startswith(("| POST", "| PUT"))]
    assert writes and all("| write |" in line for line in writes)  # no write takes a read-only token
    # The docs page draws from the same list, this module imported or not.
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert all(f"{line.split(' | ')[0][2:]} {line.split('`')[1]}" in page for line in expected.splitlines()[2:])
