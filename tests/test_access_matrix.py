"""Every route's access, for good (issue 11): each (endpoint, method) of the URL map is a row of the written matrix
(tests/access_matrix.py), and each row is checked for the twelve personas on real objects in every state of the
paper that changes an answer (tests/access_world.py). All mismatches are reported together.

The figures (rows × personas = cells; cells checked per state and in total) go to the terminal summary.
"""

import pytest
from sqlalchemy import func, select

from journal.extensions import db
from journal.services import api_tokens
from journal.models import AuditEvent, OutboxMessage
from tests.access_matrix import ALLOW, LOGIN, ROWS
from tests.access_world import PERSONAS, STATES, build_world


@pytest.fixture
def app_config(app_config):
    """ORCID configured, so that its routes answer as they do where it is (unconfigured, they are all 404). No row
    completes a trip to ORCID, so its address is never reached. No job runs: the world's LaTeX compilation stays
    queued, and nothing changes the world behind the rows."""
    return type("Config", (app_config,), {"ORCID_CLIENT_ID": "matrix", "ORCID_CLIENT_SECRET": "matrix",
                                          "ORCID_BASE_URL": "http://127.0.0.1:9", "JOBS_RUN_IN_PROCESS": False})


def test_every_route_is_in_the_matrix_once(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    rows = [(row.endpoint, row.method) for row in ROWS]
    missing = sorted(routes - set(rows))
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert not missing, "routes missing from the access matrix; add a line for each to ROWS in tests/access_matrix.py:\n" \
        + "\n".join(f'    Row("{e}", "{m}", "{rules[e]}", <answers per persona>),' for e, m in missing)
    assert sorted(set(rows)) == sorted(rows), "a route is in the matrix twice"
    assert not set(rows) - routes, f"rows for routes that do not exist: {sorted(set(rows) - routes)}"


def outcome(response) -> object:
    if response.status_code in (301, 302, 303, 307, 308):
        return LOGIN if "/login" in response.headers["Location"] else "redirect"
    return response.status_code


def agrees(expected, got, method: str) -> bool:
    if expected == ALLOW:
        return got in (200, "redirect") or (method == "POST" and got == 400)
    return expected == got


def footprint() -> tuple[int, int]:
    """What any change leaves: an audit event (every state change writes one) or a queued mail."""
    db.session.expire_all()
    counts = select(select(func.count()).select_from(AuditEvent).scalar_subquery(),
                    select(func.count()).select_from(OutboxMessage).scalar_subquery())
    return tuple(db.session.execute(counts).one())  # one query: this runs before and after each refused POST


@pytest.mark.parametrize("state", STATES)
def test_every_route_answers_every_persona_as_the_matrix_says(app, client, login, make_journal, make_user, state,
                                                              record_property):
    world = build_world(state, make_journal, make_user)
    mismatches, checked, skipped = [], 0, 0
    rows = sorted(ROWS, key=lambda r: r.last)
    for persona in PERSONAS:
        if persona == "anonymous":
            client.post("/logout")
            tokens = {}
        else:
            login(world.people[persona])
            # The API's rows (Row.token) are asked with the persona's personal access token, without the cookie.
            tokens = {scope: api_tokens.create_token(world.people[persona], name=scope, scope=scope, days=7)[1]
                      for scope in ("read", "write")}
        for row in rows:
            try:
                url = row.url.format(**world.values)
            except KeyError:  # the object is not there in this state
                skipped += 1
                continue
            expected = row.answer(state, persona)
            allowed = expected in (ALLOW, 200, "redirect") or (isinstance(expected, int) and expected < 400)
            if row.method in ("POST", "PUT") and allowed and row.data is None:
                skipped += 1
                continue
            before = footprint() if row.method in ("POST", "PUT") and not allowed else None
            if row.token:
                headers = {"Authorization": f"Bearer {tokens[row.token]}"} if row.token in tokens else {}
                # A client of its own, without the persona's cookies: the API takes none.
                response = client.application.test_client().open(url, method=row.method, json=row.data or {},
                                                                  headers=headers)
            else:
                response = client.open(url, method=row.method, data=row.data or {})
            got = outcome(response)
            checked += 1
            if not agrees(expected, got, row.method):
                mismatches.append(f"{row.method} {row.endpoint} ({url}) as {persona} in '{state}': "
                                  f"expected {expected}, got {got}")
            elif before is not None and footprint() != before:
                mismatches.append(f"{row.method} {row.endpoint} as {persona} in '{state}': refused ({got}) "
                                  "but something changed (an audit event or a mail)")
    cells = len(ROWS) * len(PERSONAS)
    record_property("access_matrix", {"state": state, "rows": len(ROWS), "personas": len(PERSONAS), "cells": cells,
                                      "checked": checked, "not_checked": skipped})
    print(f"\naccess matrix, state '{state}': {len(ROWS)} routes × {len(PERSONAS)} personas = {cells} cells; "
          f"{checked} checked, {skipped} not checked")
    assert not mismatches, f"{len(mismatches)} of {checked} cells disagree with tests/access_matrix.py:\n" \
        + "\n".join(mismatches)
