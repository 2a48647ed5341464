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
        ("recruit.services", "recruit.exports", "recruit.models", "recruit.outbox"),
        WEB_TIER,
        no_request_state=True,
    ),
    Rule("recruit never imports the worker", ("recruit",), ("worker",)),
    Rule("the benchmark does not import the tests", ("bench",), ("tests",)),
    Rule(
        "leaves import no Flask",
        ("recruit.formatting", "recruit.deadlines", "recruit.parsing", "recruit.taxonomy"),
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


def test_the_rules_see_real_imports() -> None:
    """The checker finds imports at all: a rule that would fail does fail."""
    inverted = Rule("the web tier may not import the domain", WEB_TIER, ("recruit.services",))
    assert any("recruit.portal" in breach for breach in breaches(inverted))
    assert imports_of(ROOT / "recruit" / "outbox" / "dispatch.py")
