"""docs/architecture.md stays true: its state diagrams are services/states.py's tables, it
maps every rule id of the store rules to a module, and every file it names exists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storefront.services import states

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text()
RULES = ROOT.parent / "shared" / "spec" / "store-rules.md"


def diagrams() -> list[set[tuple[str, str]]]:
    """The moves of each state diagram, in the order they appear (the start arrows aside)."""
    found = []
    for block in re.findall(r"```mermaid\nstateDiagram-v2\n(.*?)```", DOC, re.S):
        found.append({(a, b) for a, b in re.findall(r"^\s+(\w+) --> (\w+)", block, re.M)})
    return found


@pytest.mark.parametrize("position,table", [(0, states.ORDER_MOVES), (1, states.PAYMENT_MOVES),
                                            (2, states.REFUND_MOVES),
                                            (3, states.CHECKOUT_MOVES)])
def test_each_state_diagram_is_the_table_of_allowed_moves(position, table):
    drawn = diagrams()[position]
    assert drawn == {(str(a), str(b)) for a, bs in table.items() for b in bs}


def test_every_rule_id_is_mapped_to_where_it_lives():
    if not RULES.exists():
        pytest.skip("the shared store rules are not beside this checkout")
    ids = set(re.findall(r"R-[A-Z]+-\d+", RULES.read_text()))
    table = "\n".join(line for line in DOC.splitlines() if line.startswith("| R-"))
    assert ids <= set(re.findall(r"R-[A-Z]+-\d+", table)), sorted(ids - set(
        re.findall(r"R-[A-Z]+-\d+", table)))


def test_every_file_the_page_names_exists():
    named = set(re.findall(r"`((?:storefront/|web/|services/|payments/|templates/|tests/|bench/)"
                           r"[\w/.-]+\.(?:py|html|json|md))`", DOC))
    missing = [path for path in sorted(named)
               if not any((base / path).exists() for base in
                          (ROOT, ROOT / "storefront"))]
    assert named and not missing, missing
