"""src/ has no import circle: every `import src...`/`from src... import`, at the top or inside a function."""
import ast
import os

from tests.conftest import REPO

SRC = os.path.join(REPO, "src")


def module_name(path):
    relative = os.path.relpath(path, REPO)[:-len(".py")].split(os.sep)
    return ".".join(relative[:-1] if relative[-1] == "__init__" else relative)


def src_imports(path, modules):
    """The src modules that the file at path imports (a package import counts as its __init__)."""
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name in modules}
    return found


def import_graph():
    paths = [os.path.join(folder, name) for folder, _, names in os.walk(SRC) for name in names if name.endswith(".py")]
    modules = {module_name(p): p for p in paths}
    return {name: src_imports(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph):
    """One import circle as a list of modules, or []."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


def test_src_has_no_import_circle():
    graph = import_graph()
    assert "src.readers" in graph and "src.errors" in graph["src.readers"]  # the walk sees the imports
    cycle = find_cycle(graph)
    assert not cycle, " -> ".join(cycle)


def test_the_walk_finds_a_circle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []
