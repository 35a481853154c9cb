"""One request id through every node's logs: taken from the load balancer's X-Request-ID, made when absent or
unsafe, echoed in the response and carried by every log line the request causes (issue 16)."""

import logging

import pytest

from config import TestConfig
from journal import create_app, request_ids


@pytest.fixture()
def node(tmp_path):
    config = type("NodeConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'n.sqlite3'}",
                                                "STORAGE_URL": (tmp_path / "files").as_uri()})
    app = create_app(config)

    @app.get("/_log_something")
    def log_something():
        logging.getLogger("journal.node").warning("handling the paper")
        return "ok"

    return app


def _formatted(caplog) -> list[str]:
    formatter = logging.Formatter(request_ids.LOG_FORMAT)
    return [formatter.format(r) for r in caplog.records if r.name == "journal.node"]


def test_the_balancers_id_is_in_the_response_and_in_every_log_line(node, caplog):
    with caplog.at_level(logging.INFO):
        response = node.test_client().get("/_log_something", headers={"X-Request-ID": "7f000001:c3a2_0A1B.42"})
    assert response.headers["X-Request-ID"] == "7f000001:c3a2_0A1B.42"
    [line] = _formatted(caplog)
    assert "[7f000001:c3a2_0A1B.42] journal.node: handling the paper" in line


def test_without_an_id_or_with_an_unsafe_one_the_node_makes_its_own(node, caplog):
    client = node.test_client()
    with caplog.at_level(logging.INFO):
        first = client.get("/_log_something").headers["X-Request-ID"]
        forged = client.get("/_log_something", headers={"X-Request-ID": "x 2026 ERROR forged line"})
    second = forged.headers["X-Request-ID"]
    assert len({first, second}) == 2 and all(len(i) == 32 for i in (first, second))
    lines = _formatted(caplog)
    assert [f"[{first}]" in lines[0], f"[{second}]" in lines[1]] == [True, True]
    assert not any("forged" in line for line in lines)


def test_log_lines_outside_a_request_carry_a_dash(node, caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("journal.node").warning("a worker's line")
    assert "[-] journal.node: a worker's line" in _formatted(caplog)[0]


def test_a_page_served_from_the_cache_carries_its_own_requests_id(client):
    first = client.get("/", headers={"X-Request-ID": "lb-first"})
    again = client.get("/", headers={"X-Request-ID": "lb-second"})
    anonymous = client.get("/")
    assert first.status_code == again.status_code == 200
    assert again.headers.get("X-Page-Cache") == "hit"  # the case under test: answered before Flask runs
    assert (first.headers["X-Request-ID"], again.headers["X-Request-ID"]) == ("lb-first", "lb-second")
    assert len(anonymous.headers["X-Request-ID"]) == 32
