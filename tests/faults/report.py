"""Fault-test figures: each test records a row; `python -m tests.faults.report` renders them.

Rows go to `.faults/results.json` (keyed by scenario, so a rerun replaces its row); rendering
rewrites the table between the markers in `docs/reliability.md`.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from tests.support.worker import PROJECT_ROOT

RESULTS = PROJECT_ROOT / ".faults" / "results.json"
DOC = PROJECT_ROOT / "docs" / "reliability.md"
START, END = "<!-- fault-results:start -->", "<!-- fault-results:end -->"


def record(
    key: str, scenario: str, injected: str, checked: str, figures: dict[str, object]
) -> None:
    """Store one scenario's outcome."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    rows[key] = {
        "scenario": scenario,
        "injected": injected,
        "checked": checked,
        "figures": figures,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.write_text(json.dumps(rows, indent=2, sort_keys=True))


def table(rows: dict[str, dict[str, object]]) -> str:
    """The results as a Markdown table, in scenario order."""
    lines = [
        "| scenario | what was injected | what was checked | figures | run (UTC) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key in sorted(rows):
        row = rows[key]
        figures = row["figures"]
        assert isinstance(figures, dict)
        shown = "; ".join(f"{name}: {value}" for name, value in figures.items())
        cells = [row["scenario"], row["injected"], row["checked"], shown, row["at"]]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def main() -> int:
    """Rewrite the results table in docs/reliability.md."""
    if not RESULTS.exists():
        print(f"no results at {RESULTS}; run `make faults` first", file=sys.stderr)
        return 1
    doc = DOC.read_text()
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    body = table(json.loads(RESULTS.read_text()))
    DOC.write_text(f"{head}{START}\n{body}\n{END}{tail}")
    print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
