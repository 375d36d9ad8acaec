"""The codebase's layers, read from its imports (design.md, "Architecture").

- `tracker/core` depends on no feature.
- Between features, the models, rules and services (every module but the pages: views, forms,
  command-line groups and `tracker/pages`) form a graph without cycles.
- No model, rule or service imports a page module.
- A blueprint is named like its folder (`units`, or `units_admin` for a second one in `units/`).
- No function is longer than 60 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tracker"
PAGE_MODULES = {"views", "forms", "cli"}
PAGE_FEATURES = {"pages", "api"}  # what pages of several features share, and the API: above every feature
NOT_FEATURES = {"extensions", "models", "translations", "static"}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every tracker module `path` imports, at the top or inside a function, with its line, in every
    form: `import tracker.a.b`, `from tracker.a.b import c`, `from tracker.a import b` (read as
    `tracker.a.b`: a module, or a name of the package `tracker.a`), `from tracker import a` and
    relative imports."""
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names if alias.name.startswith("tracker."))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            if base != "tracker" and not base.startswith("tracker."):
                continue
            if len(base.split(".")) <= 2:  # `from tracker.plan import views`: the names are modules
                found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names)
            else:
                found.append((base, node.lineno))
    return found


def _feature(module: str) -> str | None:
    """The feature a module belongs to (`tracker.plan.queries` and `tracker.plan` alike: plan)."""
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] not in NOT_FEATURES else None


def _is_page(module: str) -> bool:
    parts = module.split(".")
    return parts[1] in PAGE_FEATURES or parts[-1] in PAGE_MODULES


def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def feature_graph(rules_only: bool = True) -> dict[str, dict[str, list[str]]]:
    """feature -> feature it imports -> the imports that make the edge ("module:line -> module")."""
    graph: dict[str, dict[str, list[str]]] = {}
    for name, path in modules().items():
        source = _feature(name)
        if source is None or (rules_only and _is_page(name)):
            continue
        for imported, line in _imports(path):
            target = _feature(imported)
            if target is not None and target != source:
                graph.setdefault(source, {}).setdefault(target, []).append(f"{name}:{line} -> {imported}")
    return graph


def find_cycle(graph: dict[str, dict]) -> list[str] | None:
    """One cycle of the graph as a path [a, b, ..., a], or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def _explain(graph, cycle: list[str]) -> str:
    lines = [" -> ".join(cycle)]
    for a, b in zip(cycle, cycle[1:], strict=False):
        lines.extend(f"  {edge}" for edge in graph[a][b])
    return "\n".join(lines)


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_layered_graph():
    assert find_cycle({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": [], "c": []}, "b": {"c": []}, "c": {}}) is None
    # A page-to-page cycle is not a rule cycle: the views are left out of the graph.
    assert _is_page("tracker.plan.views") and _is_page("tracker.pages.loaders") and not _is_page("tracker.plan.queries")


def test_features_models_rules_and_services_form_no_cycle():
    graph = feature_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "a cycle between features:\n" + _explain(graph, cycle)


def test_core_depends_on_no_feature():
    graph = feature_graph(rules_only=False)
    assert graph.get("core", {}) == {}, graph.get("core")


def test_no_model_rule_or_service_imports_a_page():
    offending = [
        f"{name}:{line} -> {imported}"
        for name, path in modules().items()
        if _feature(name) and not _is_page(name)
        for imported, line in _imports(path)
        if _feature(imported) and _is_page(imported)
    ]
    assert offending == []


def test_the_reader_sees_every_import_form(tmp_path):
    module = tmp_path / "tracker" / "units" / "services.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import tracker.alerts.models\n"
        "from tracker.plan import views\n"
        "from tracker import reports\n"
        "from .queries import ward_units\n"
        "from ..periods.models import ReportingPeriod\n"
        "def f():\n    from tracker.progress.status import STATUSES\n",
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        imported = [name for name, _line in _imports(module)]
    finally:
        ROOT = saved
    assert imported == [
        "tracker.alerts.models",
        "tracker.plan.views",
        "tracker.reports",
        "tracker.units.queries",
        "tracker.periods.models",
        "tracker.progress.status",
    ]
    assert _feature("tracker.reports") == "reports" and _feature("tracker.models") is None
    assert _is_page("tracker.plan.views")


def test_only_the_app_factory_imports_the_whole_schema():
    importers = [
        name
        for name, path in modules().items()
        if any(imported == "tracker.models" for imported, _line in _imports(path))
    ]
    assert importers == ["tracker"]


def test_the_features_are_the_packages_the_test_reads():
    # The graph is only as good as its reading: every feature the app registers is seen.
    graph = feature_graph(rules_only=False)
    seen = set(graph) | {b for edges in graph.values() for b in edges}
    for feature in ("plan", "units", "periods", "progress", "reports", "standing", "alerts", "accounts", "audit"):
        assert feature in seen


LIBRARY_BLUEPRINTS = {"api-docs"}  # flask-smorest's, which serves the API's description


def test_blueprints_are_named_like_their_folders(app):
    for name, blueprint in app.blueprints.items():
        if name in LIBRARY_BLUEPRINTS:
            assert blueprint.import_name.startswith("flask_smorest"), blueprint.import_name
            continue
        folder = blueprint.import_name.split(".")[1]
        assert name == folder or name.startswith(folder + "_"), (name, blueprint.import_name)


def test_no_page_imports_another_features_views():
    # The helpers pages share (load_plan, load_task_node, render_task_page, read_filters, the
    # period loaders) live in tracker/pages; only the app factory imports the views to register them.
    offending = [
        f"{name}:{line} -> {imported}"
        for name, path in modules().items()
        if _feature(name)
        for imported, line in _imports(path)
        if imported.endswith(".views") and _feature(imported) not in (None, _feature(name))
    ]
    assert offending == []


LONGEST_FUNCTION = 60  # lines; a longer one gets names for its parts


def test_no_function_is_longer_than_a_reader_holds_in_mind():
    too_long = [
        f"{name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for name, path in modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION
    ]
    assert too_long == []
