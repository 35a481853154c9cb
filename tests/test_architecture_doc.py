"""docs/architecture.md stays true to the code: its state machine is workflow.py's table, and every file it names
exists."""

import re
from pathlib import Path

from journal.workflow import TRANSITIONS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PACKAGE_DIRS = ("services/", "web/", "models/", "storage/", "scholarly/")


def drawn_transitions() -> set[tuple[str, str, str]]:
    text = DOC.read_text()
    block = re.search(r"<!-- state machine:.*?```mermaid\n(.*?)```\s*<!-- end state machine -->", text, re.S)
    assert block, "docs/architecture.md lost its state machine block (between the '<!-- state machine' markers)"
    edges = set()
    for line in block.group(1).splitlines()[1:]:
        if line.strip():
            match = re.fullmatch(r"\s*(\w+) --> (\w+): (\w+)\s*", line)
            assert match, f"not an edge 'source --> target: name': {line!r}"
            edges.add(match.groups())
    return edges


def test_the_drawn_state_machine_is_the_workflow_table():
    table = {(source.value, target.value, t.name)
             for t in TRANSITIONS.values() for source in t.sources for target in t.targets}
    drawn = drawn_transitions()
    assert drawn - table == set(), "drawn in docs/architecture.md but not in journal/workflow.py's TRANSITIONS"
    assert table - drawn == set(), "in journal/workflow.py's TRANSITIONS but not drawn in docs/architecture.md"


def named_paths() -> set[str]:
    text = DOC.read_text()
    paths = set()
    for name in re.findall(r"`([\w./<>-]+\.(?:py|md|html|txt))`|`([\w./-]+/)`", text):
        path = name[0] or name[1]
        if "<" in path:
            continue
        paths.add(f"journal/{path}" if path.startswith(PACKAGE_DIRS) else path)
    return paths


def test_every_file_the_architecture_names_exists():
    paths = named_paths()
    assert len(paths) > 40, sorted(paths)  # the walk names the files; a broken pattern would find none
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == [], f"docs/architecture.md names files that do not exist: {missing}"


def test_the_readme_sends_readers_to_the_architecture():
    readme = (ROOT / "README.md").read_text()
    assert "docs/architecture.md" in readme
    assert "../shared/DESIGN.md" not in readme  # a clone does not have it
