"""One registry of task names: the worker registers it, beat and every publisher draw on it.

The worker's names are read from the real entry module (`worker.main`) in its own process;
what the code publishes is read from the source with `ast`, so a name spelled out anywhere but
`recruit/tasknames.py`, or a publisher that bypasses it, fails here.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from recruit import tasknames
from recruit.celery_config import beat_schedule
from recruit.config import ENV_PREFIX
from recruit.outbox import dispatch
from recruit.tasknames import TASK_NAMES

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("recruit", "worker")
# Queued tasks in a live broker carry these names: they must never change.
STABLE_NAMES = {
    "recruit.outbox.deliver",
    "recruit.outbox.deliver_batch",
    "recruit.outbox.relay",
    "recruit.outbox.sweep",
    "recruit.vacancies.close_due",
    "recruit.applications.remind_drafts",
    "recruit.exports.build",
    "recruit.exports.sweep",
    "recruit.exports.purge",
    "recruit.worker.heartbeat",
    "recruit.sessions.purge",
    "recruit.monitoring.build_report",
    "recruit.retention.purge",
    "recruit.privacy.build_access_pack",
    "recruit.alerts.send_daily",
    "recruit.webhooks.deliver",
    "recruit.webhooks.sweep",
}
REGISTRY = "recruit.tasknames"
DISPATCH_PUBLISH = "recruit.outbox.dispatch.publish"
REPUBLISH = "recruit.outbox.republish.republish"
# Which argument names the task (position, keyword), for each call that publishes or registers
# one by name. `send_task` is Celery's method, on whichever client.
NAME_ARGUMENT = {
    "send_task": (0, "name"),
    DISPATCH_PUBLISH: (2, "task"),
    REPUBLISH: (0, "task"),
    "celery.shared_task": (None, "name"),
}
# Functions that pass on a name they were given; their callers name it (checked here too).
FORWARDERS = {("recruit.outbox.dispatch", "_publish_remembered")}  # from TASK_FOR_NEW_ROW
# The one place each step of publishing happens.
ONLY_CALLED_IN = {
    "send_task": {"recruit.outbox.dispatch"},
    DISPATCH_PUBLISH: {"recruit.outbox.dispatch", "recruit.outbox.republish"},
    "recruit.outbox.store.reset_for_retry": {"recruit.outbox.republish"},
    "recruit.outbox.store.mark_republished": {"recruit.outbox.republish"},
}


@dataclass(frozen=True)
class Call:
    """One call in the source: where it is, what it calls and the function around it."""

    module: str
    function: str
    parameters: frozenset[str]
    node: ast.Call
    callee: str  # qualified where the import says where it comes from: `recruit.x.f`

    def where(self) -> str:
        """`module:line` for messages."""
        return f"{self.module}:{self.node.lineno}"


def source_files() -> Iterator[tuple[str, ast.Module]]:
    """Every module of the application and the worker, parsed."""
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), ast.parse(path.read_text(encoding="utf-8"))


def bindings(module: str, tree: ast.Module) -> dict[str, str]:
    """What each imported or top-level name in the module refers to, fully qualified."""
    found = {
        node.name: f"{module}.{node.name}"
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        elif isinstance(node, ast.Import):
            found.update({a.asname: a.name for a in node.names if a.asname})
    return found


def qualified(expr: ast.expr, names: dict[str, str]) -> str:
    """`f` or `m.f` as the module path it names, else the bare name (a method, say)."""
    if isinstance(expr, ast.Name):
        return names.get(expr.id, expr.id)
    if isinstance(expr, ast.Attribute):
        base = names.get(expr.value.id) if isinstance(expr.value, ast.Name) else None
        return f"{base}.{expr.attr}" if base else expr.attr
    return ""


def calls_in(module: str, tree: ast.Module) -> Iterator[Call]:
    """Every call, with the innermost function it is in (or '' at module level)."""
    names = bindings(module, tree)

    def visit(node: ast.AST, function: str, parameters: frozenset[str]) -> Iterator[Call]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                given = [a.arg for a in (*child.args.posonlyargs, *child.args.args)]
                given += [a.arg for a in child.args.kwonlyargs]
                yield from visit(child, child.name, frozenset(given))
                continue
            if isinstance(child, ast.Call):
                callee = qualified(child.func, names)
                yield Call(module, function, parameters, child, callee)
            yield from visit(child, function, parameters)

    yield from visit(tree, "", frozenset())


def registry_value(expr: ast.expr, names: dict[str, str]) -> str | None:
    """The task name `expr` means if it names a registry constant, else None."""
    path = qualified(expr, names)
    if not path.startswith(f"{REGISTRY}."):
        return None
    value = getattr(tasknames, path.removeprefix(f"{REGISTRY}."), None)
    return value if isinstance(value, str) else None


def name_argument(call: Call) -> ast.expr | None:
    """The expression naming the task in a publishing call, or None if it is left out."""
    position, keyword = NAME_ARGUMENT[call.callee]
    for given in call.node.keywords:
        if given.arg == keyword:
            return given.value
    if position is not None and len(call.node.args) > position:
        return call.node.args[position]
    return None


def unregistered_names() -> list[str]:
    """Each call that publishes or registers a task by a name not drawn from the registry."""
    found = []
    for module, tree in source_files():
        names = bindings(module, tree)
        for call in calls_in(module, tree):
            if call.callee not in NAME_ARGUMENT:
                continue
            expr = name_argument(call)
            if expr is None:  # publish() without a name sends the deliverer, checked below
                continue
            forwarded = isinstance(expr, ast.Name) and (
                expr.id in call.parameters or (module, call.function) in FORWARDERS
            )
            if not forwarded and registry_value(expr, names) not in TASK_NAMES:
                found.append(f"{call.where()} {call.callee}({ast.unparse(expr)})")
    return found


def test_the_registry_holds_the_stable_names_and_nothing_else() -> None:
    assert TASK_NAMES == STABLE_NAMES
    constants = {
        name: value
        for name, value in vars(tasknames).items()
        if name.endswith("_TASK") and isinstance(value, str)
    }
    assert set(constants.values()) == TASK_NAMES  # every constant is in the set, and back
    assert len(constants) == len(TASK_NAMES)


def test_the_worker_registers_every_name_in_the_registry(tmp_path: Path) -> None:
    """`celery -A worker.main` registers exactly the registry's names (besides Celery's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env |= {f"{ENV_PREFIX}INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    script = (
        "import json, worker.main as m; "
        "print(json.dumps(sorted(n for n in m.celery_app.tasks if not n.startswith('celery.'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    registered = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert registered == TASK_NAMES


def test_every_beat_entry_runs_a_registered_task() -> None:
    entries = beat_schedule({"OUTBOX_SWEEP_SECONDS": 30}).values()
    assert {entry["task"] for entry in entries} <= TASK_NAMES
    # Every scheduled job, none dropped on the way: 7, the retention purge and the access-pack
    # sweep (#11), the daily job alerts (#13) and the webhook delivery sweep (#14).
    assert len(entries) == 11


def test_the_after_commit_relay_publishes_registered_names() -> None:
    assert set(dispatch.TASK_FOR_NEW_ROW.values()) <= TASK_NAMES
    default = inspect.signature(dispatch.publish).parameters["task"].default
    assert default in TASK_NAMES  # what publish() sends when it is given no name


def test_every_published_or_registered_name_comes_from_the_registry() -> None:
    assert unregistered_names() == []


def test_no_task_name_is_spelled_out_outside_the_registry() -> None:
    """The five old definitions are gone: only `recruit/tasknames.py` holds the strings."""
    spelled = [
        f"{module}:{node.lineno} {node.value}"
        for module, tree in source_files()
        if module != "recruit.tasknames"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in TASK_NAMES
    ]
    assert spelled == []


def test_each_publishing_step_happens_in_one_place() -> None:
    """Only dispatch talks to the broker; only republish resets and re-stamps rows."""
    strays = [
        f"{call.where()} {call.callee}"
        for module, tree in source_files()
        for call in calls_in(module, tree)
        if call.callee in ONLY_CALLED_IN and module not in ONLY_CALLED_IN[call.callee]
    ]
    assert strays == []


def test_the_checks_see_real_calls() -> None:
    """The scanners resolve what they look for: a spelled-out name would be caught."""
    tree = ast.parse(
        "from recruit import tasknames\n"
        "from recruit.outbox.republish import republish\n"
        'client.send_task("recruit.outbox.deliver")\n'
        "republish(tasknames.DELIVER_TASK, [])\n"
    )
    names = bindings("example", tree)
    spelled, named = calls_in("example", tree)
    assert (spelled.callee, named.callee) == ("send_task", REPUBLISH)
    assert registry_value(name_argument(spelled) or ast.Constant(""), names) is None
    assert registry_value(name_argument(named) or ast.Constant(""), names) in TASK_NAMES
    found = {call.callee for module, tree in source_files() for call in calls_in(module, tree)}
    assert {"send_task", DISPATCH_PUBLISH, REPUBLISH, "celery.shared_task"} <= found


def test_publishing_an_unregistered_name_is_refused(app: Flask) -> None:
    queue = Path(app.config["BROKER_DIR"]) / "queue"
    with app.app_context(), pytest.raises(ValueError, match="unregistered task name"):
        dispatch.publish([1], app, "recruit.outbox.deliver_v2")
    assert list(queue.glob("*.msg")) == []
