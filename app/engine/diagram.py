"""A flow as a Mermaid ``stateDiagram-v2``, for people who review flows
without reading YAML (``flask flows diagram FLOW`` and the /review page).

- each state is drawn with its id; ``[*] --> start`` marks where it begins,
  and every declared end gets ``state --> [*]``;
- each option is an arrow labelled with what the person taps; a branch adds
  its predicate (``[if any_referral_criterion]``) or ``[otherwise]``;
- an option that starts another flow points at a node ``→ other_flow``.

Written from the Flow dataclasses (not transitions' GraphMachine, which
needs graphviz and draws its own triggers rather than the words shown).
"""

from __future__ import annotations

from .flows import Flow

INDENT = "    "


def _label(text: str) -> str:
    """Text after ``:`` on a transition line. Mermaid reads ``;``, ``#`` and
    new lines as syntax, so those become entity codes or spaces."""
    text = " ".join(text.split())
    return text.replace("#", "#35;").replace(";", "#59;")


def flow_node(flow_id: str) -> str:
    return f"to_{flow_id}"


def mermaid(flow: Flow) -> str:
    others: list[str] = []
    for st in flow.states.values():
        others += [o.flow for o in st.options if o.flow is not None and o.flow not in others]
    lines = ["stateDiagram-v2"]
    lines += [f'{INDENT}state "→ {other}" as {flow_node(other)}' for other in others]
    lines.append(f"{INDENT}[*] --> {flow.start}")
    for st in flow.states.values():
        for opt in st.options:
            label = _label(opt.label)
            if opt.flow is not None:
                lines.append(f"{INDENT}{st.id} --> {flow_node(opt.flow)}: {label}")
                continue
            conditional = len(opt.branches) > 1
            for br in opt.branches:
                cond = f" [if {br.when}]" if br.when else " [otherwise]" if conditional else ""
                lines.append(f"{INDENT}{st.id} --> {br.go}: {label}{cond}")
        if st.end:
            lines.append(f"{INDENT}{st.id} --> [*]")
    if others:
        lines.append(f"{INDENT}classDef otherflow stroke-dasharray: 4 4")
        lines.append(f"{INDENT}class {','.join(flow_node(o) for o in others)} otherflow")
    return "\n".join(lines) + "\n"
