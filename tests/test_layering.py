"""The layering rules, run: each names which modules may not import which.

Imports are read from the source with `ast` (also those inside functions), so a rule holds for
every import the code makes, not only the ones at the top of a file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_TIER = ("recruit.web", "recruit.auth", "recruit.portal", "recruit.admin", "recruit.api")
REQUEST_STATE = frozenset({"request", "session", "g"})


@dataclass(frozen=True)
class Rule:
    """Modules under `packages` may import none of `forbidden` (nor Flask's request state)."""

    name: str
    packages: tuple[str, ...]
    forbidden: tuple[str, ...]
    no_request_state: bool = False
    no_flask: bool = False


RULES = (
    Rule(
        "the domain does not reach into the web tier",
        (
            "recruit.services",
            "recruit.exports",
            "recruit.models",
            "recruit.outbox",
            "recruit.notifications",
            "recruit.monitoring",
            "recruit.privacy",
            "recruit.webhooks",
        ),
        WEB_TIER,
        no_request_state=True,
    ),
    Rule("recruit never imports the worker", ("recruit",), ("worker",)),
    Rule("the benchmark does not import the tests", ("bench",), ("tests",)),
    Rule(
        "leaves import no Flask",
        (
            "recruit.formatting",
            "recruit.deadlines",
            "recruit.parsing",
            "recruit.taxonomy",
            "recruit.tasknames",
        ),
        ("recruit",),
        no_flask=True,
    ),
    Rule("models know nothing above them", ("recruit.models",), ("recruit.services",)),
)


def module_name(path: Path) -> str:
    """`recruit/web/hooks.py` → `recruit.web.hooks`."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[str, str]]:
    """Every (module, name) the file imports; name is '' for `import x`."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend((node.module, alias.name) for alias in node.names)
    return found


def within(module: str, packages: tuple[str, ...]) -> bool:
    """Whether `module` is one of `packages` or inside one."""
    return any(module == p or module.startswith(p + ".") for p in packages)


def breaches(rule: Rule) -> list[str]:
    """Each import that breaks `rule`, as 'importer imports imported'."""
    found = []
    for path in sorted(ROOT.glob("**/*.py")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        importer = module_name(path)
        if not within(importer, rule.packages):
            continue
        for module, name in imports_of(path):
            target = f"{module}.{name}" if name else module
            if (within(module, rule.forbidden) and not within(module, rule.packages)) or (
                rule.no_flask and within(module, ("flask", "flask_login", "werkzeug"))
            ):
                found.append(f"{importer} imports {target}")
            elif rule.no_request_state and module == "flask" and name in REQUEST_STATE:
                found.append(f"{importer} imports flask.{name}")
    return found


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_layering_rule_holds(rule: Rule) -> None:
    """No module breaks the rule; the output names each breach."""
    assert breaches(rule) == []


def is_views_module(module: str) -> bool:
    """Whether `module` adds routes: `recruit.portal.views`, `recruit.admin.sift_views`."""
    last = module.rsplit(".", 1)[-1]
    return module.startswith("recruit.") and (last == "views" or last.endswith("_views"))


def views_importing_views() -> list[str]:
    """Each import of one views module by another: shared page helpers belong in `pages`."""
    found = []
    for path in sorted((ROOT / "recruit").glob("**/*.py")):
        importer = module_name(path)
        if not is_views_module(importer):
            continue
        for module, name in imports_of(path):
            target = f"{module}.{name}" if name else module
            if is_views_module(module) or is_views_module(target):
                found.append(f"{importer} imports {target}")
    return found


def imports_below_code(path: Path) -> list[int]:
    """Line numbers of top-level imports that come after other statements (beyond a docstring)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the module's docstring
    found, seen_code = [], False
    for node in body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            seen_code = True
        elif seen_code:
            found.append(node.lineno)
    return found


def test_no_views_module_imports_another() -> None:
    """Views modules share helpers through `pages` (and forms), never through each other."""
    assert views_importing_views() == []


def test_no_module_imports_below_its_code() -> None:
    """Blueprints register their routes without imports at the bottom of `__init__.py`."""
    late = {
        module_name(path): lines
        for path in sorted((ROOT / "recruit").glob("**/*.py"))
        if (lines := imports_below_code(path))
    }
    assert late == {}


def is_test_module(module: str) -> bool:
    """Whether pytest collects `module`: `tests.test_auth`, `tests.integration.test_worker`."""
    return module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_")


def imports_of_test_modules(root: Path = ROOT) -> list[str]:
    """Each import of a test module, by any module: shared helpers belong in tests/support."""
    skipped = {".venv", "node_modules"}
    paths = [p for p in sorted(root.glob("**/*.py")) if not skipped & set(p.parts)]
    return [
        f"{path.relative_to(root)} imports {module}.{name}".rstrip(".")
        for path in paths
        for module, name in imports_of(path)
        if is_test_module(module) or is_test_module(f"{module}.{name}")
    ]


def test_no_module_imports_a_test_module() -> None:
    """Test modules share helpers through tests/support and testkit, never through each other."""
    assert is_test_module("tests.integration.test_worker")
    assert not is_test_module("tests.support.portal") and not is_test_module("testkit.forms")
    assert imports_of_test_modules() == []


def test_the_rules_see_real_imports() -> None:
    """The checker finds imports at all: a rule that would fail does fail."""
    inverted = Rule("the web tier may not import the domain", WEB_TIER, ("recruit.services",))
    assert any("recruit.portal" in breach for breach in breaches(inverted))
    assert imports_of(ROOT / "recruit" / "outbox" / "dispatch.py")
    assert is_views_module("recruit.admin.sift_views") and is_views_module("recruit.api.views")
    assert not is_views_module("recruit.admin.pages")
