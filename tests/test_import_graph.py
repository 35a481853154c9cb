"""The import graph of the `journal` package: no module reaches for another's private names, no circles.

Read from the source with `ast`, never by importing, so that every import counts: at module level, inside
functions, under `if`. A package's `__init__` is a module like any other: importing `journal.web.editorial`
runs its `__init__`, so an `__init__` that imports a submodule which imports the package back is a circle.
Importing `journal.a.b` also runs `journal/__init__.py` and `journal/a/__init__.py` first; those implicit
parent imports are Python's and are not counted, or every `__init__` that imports anything would be a circle.
"""

import ast
from collections import deque
from pathlib import Path

PACKAGE = "journal"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_modules():
    """Every module of the package: dotted name -> (path, is a package, parsed tree)."""
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        modules[module_name(path)] = (path, path.name == "__init__.py", tree)
    return modules


def is_private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def absolute_base(importing, is_package, node):
    """The module a `from … import …` reads from, with `from . import x` and `from ..a import b` resolved."""
    if not node.level:
        return node.module
    package = importing.split(".") if is_package else importing.split(".")[:-1]
    if node.level > 1:
        package = package[: -(node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def imports_of(name, is_package, tree, modules):
    """(module imported, line, private names taken from it) for every import statement in a module.

    `from journal.services import reviews` imports the module journal.services.reviews; `from journal.models
    import Journal` imports journal.models. `import journal.a.b` imports journal.a.b. A private name is one
    taken with `from m import _x` (where _x is not a submodule), or read as `alias._x` where alias is a
    module of the package bound by an import in this file.
    """
    found = []
    aliases = {}  # local name -> module of the package it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != PACKAGE:
                    continue
                target = alias.name
                while target not in modules and "." in target:
                    target = target.rsplit(".", 1)[0]
                found.append((target, node.lineno, []))
                if alias.asname:
                    aliases[alias.asname] = target
        elif isinstance(node, ast.ImportFrom):
            base = absolute_base(name, is_package, node)
            if not base or base.split(".")[0] != PACKAGE:
                continue
            private = []
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    found.append((submodule, node.lineno, []))
                    aliases[alias.asname or alias.name] = submodule
                else:
                    found.append((base, node.lineno, []))
                    if is_private(alias.name):
                        private.append(alias.name)
            if private:
                found.append((base, node.lineno, private))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and is_private(node.attr)
        ):
            found.append((aliases[node.value.id], node.lineno, [f"{node.value.id}.{node.attr}"]))
    return found


def import_graph():
    """(edges: module -> {imported module: first line}, private uses: [(module, line, imported module, names)])."""
    modules = read_modules()
    edges = {name: {} for name in modules}
    private_uses = []
    for name, (_path, is_package, tree) in modules.items():
        for target, line, private in imports_of(name, is_package, tree, modules):
            if target not in modules or target == name:
                continue
            edges[name].setdefault(target, line)
            if private:
                private_uses.append((name, line, target, private))
    return edges, private_uses


def strongly_connected(edges):
    """Tarjan's components of the graph, those with more than one module (a circle)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []

    def visit(root):
        # Iterative, so a long chain of imports cannot reach Python's recursion limit.
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def shortest_cycle(edges, component):
    """One shortest circle through the first module of a component, as a list of modules ending where it began."""
    members = set(component)
    start = component[0]
    came_from = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(edges[node]):
            if child == start:
                path = [node]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return path[::-1] + [start]
            if child in members and child not in came_from:
                came_from[child] = node
                queue.append(child)
    return component


def describe(edges, cycle):
    steps = [f"{a} (line {edges[a][b]}) -> {b}" for a, b in zip(cycle, cycle[1:])]
    return "\n    ".join(steps)


def test_reader_sees_every_module():
    edges, _ = import_graph()
    assert "journal.extensions" in edges and "journal.web" in edges


def test_no_module_imports_private_names_of_another():
    _, private_uses = import_graph()
    problems = [
        f"{module} line {line}: {', '.join(names)} from {target}" for module, line, target, names in private_uses
    ]
    assert not problems, "private names used across modules (give them a public name in a shared module):\n  " + (
        "\n  ".join(problems)
    )


def test_import_graph_has_no_cycles():
    edges, _ = import_graph()
    components = strongly_connected(edges)
    report = [
        f"{len(component)} modules in a circle: {', '.join(component)}\n  for example:\n    "
        + describe(edges, shortest_cycle(edges, component))
        for component in components
    ]
    assert not components, "import cycles between modules of journal:\n" + "\n".join(report)


# The layers' direction (docs/architecture.md): what a lower layer must never import.
LOWER_LAYERS = {
    "journal.models": ("journal.services", "journal.web", "journal.workflow"),
    "journal.services": ("journal.web",),
    "journal.scholarly": ("journal.web", "journal.services"),
    "journal.storage": ("journal.services", "journal.web", "journal.models"),
}


def test_imports_run_down_the_layers_never_up():
    edges, _ = import_graph()
    upward = sorted(f"{module} imports {target}" for module, targets in edges.items() for target in targets
                    for layer, above in LOWER_LAYERS.items() if module == layer or module.startswith(layer + ".")
                    for forbidden in above if target == forbidden or target.startswith(forbidden + "."))
    assert upward == [], "imports against the layers (web → services → models):\n  " + "\n  ".join(upward)
