"""The list of the API's operations for people: method, path, the token's scope, who may call it (the rule the
route asks of journal/permissions.py) and what it does, drawn from the served OpenAPI document and the routes'
guards. `flask journal api-operations` prints it as the Markdown table of the README's API section;
tests/test_api_operations.py checks the README agrees."""

from flask import current_app

from journal.web.api import describe_operations, document

# Who each rule lets call an operation (journal/permissions.py), in the README's words.
WHO = {
    "public": "anyone",
    "account": "the token's owner",
    "submission.view": "the paper's authors and the journal's editors",
    "submission.author": "the submitting author",
    "journal.editorial": "the journal's editors",
}


def _rules() -> dict[tuple[str, str], str]:
    """(METHOD, OpenAPI path) → the permission action of the route's guard."""
    found = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith(("api.", "api_docs.")):
            continue
        path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        action = getattr(current_app.view_functions[rule.endpoint], "permission_action", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method, path)] = action
    return found


def table() -> str:
    actions = _rules()
    lines = ["| method | path | token | who | what it does |", "| --- | --- | --- | --- | --- |"]
    order = {None: 0, "read": 1, "write": 2}  # public first, then what a token reads, then its writes
    for found in sorted(describe_operations(document()), key=lambda f: order[f["scope"]]):
        summary = " ".join(found["operation"].get("summary", "").split())
        what = summary.split(". ")[0].rstrip(".").replace("|", "\\|") + "."  # its first sentence
        who = WHO[actions[(found["method"], found["path"])]]
        lines.append(f"| {found['method']} | `{found['path']}` | {found['scope'] or 'none'} | {who} | {what} |")
    return "\n".join(lines)
