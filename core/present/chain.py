"""A session's row as a graph of scalars (`core.maths.graph`), and the three ways `backprop
graph` writes it: text for a terminal or a slide, JSON for programs, and Graphviz source
drawn as micrograd's `draw_dot` draws its graphs.

Rows are the file's rows, numbered as the dataset pane numbers them. A held-out test row has
no term in J, so it has no graph.
"""

from __future__ import annotations

import json
import math

import numpy as np

from ..data.dataset import Dataset
from ..errors import UserError
from ..maths import losses
from ..maths.graph import MAX_ELEMENTS, Graph, number, row_graph
from ..maths.losses import Loss
from ..maths.network import Network
from ..names import GRAPH_FORMATS
from ..training.session import Session
from .units import view_network
from .views import SessionView


def training_index(dataset: Dataset, row: int) -> int:
    """Where file row `row` sits among the training rows; UserError for a row the file does
    not have, or one held out for testing."""
    total = int(dataset.raw.shape[0])
    if not 0 <= row < total:
        raise UserError(f"--row {row}: the data's rows are 0 to {total - 1}", field="row")
    where = np.flatnonzero(dataset.train_rows == row)
    if not where.size:
        raise UserError(f"row {row} is held out as a test row, so it has no term in J; "
                        "choose a training row", field="row")
    return int(where[0])


def session_graph(session: Session, row: int = 0, focus: str | None = None,
                  limit: int = MAX_ELEMENTS) -> Graph:
    """File row `row`'s term of J at the session's current parameters."""
    return _graph(session.net, session.loss_fn, session.dataset, (session.l2, session.l1),
                  row, focus, limit)


def view_graph(view: SessionView, row: int = 0, focus: str | None = None,
               limit: int = MAX_ELEMENTS) -> Graph:
    """The same from a SessionView: what the chain-rule view draws, even during a run."""
    return _graph(view_network(view), losses.get(view.loss_name), view.dataset,
                  (view.l2, view.l1), row, focus, limit)


def _graph(net: Network, loss: Loss, ds: Dataset, penalties: tuple[float, float], row: int,
           focus: str | None, limit: int) -> Graph:
    """`penalties`: (λ of L2, λ of L1)."""
    k = training_index(ds, row)
    l2, l1 = penalties
    with np.errstate(all="ignore"):
        return row_graph(net, loss, ds.X[k], ds.y[k], ds.X.shape[0], l2=l2, l1=l1, row=row,
                         focus=focus, limit=limit, inputs=ds.inputs)


def where(session: Session) -> str:
    """`epoch 0`, or `epoch 3, after 2 of 5 updates` in the middle of an epoch."""
    text = f"epoch {session.epoch}"
    if session.batch:
        text += f", after {session.batch} of {session.batches} updates"
    return text


# ---------------------------------------------------------------- text

def graph_text(graph: Graph, session: Session) -> str:
    """The nodes as a table (value, ∂J/∂node, how each is computed), then the backward walk,
    one equation per node, with its numbers."""
    r, n = graph.row, graph.n
    loss = session.loss_fn
    out = [f"Row {r}'s term of J as a graph of scalars: the chain rule, one number at a time",
           f"{session.description}, {loss.name}, {where(session)}.",
           f"{loss.objective_formula} over the N = {n} training rows; row {r}'s term is node J.",
           "X and y are normalised, as the network sees them. Each node: its value, and",
           f"∂J/∂node for row {r}'s term; summed over the rows, a weight's ∂J/∂node is its "
           "gradient dW."]
    out += penalty_lines(session.l2, session.l1)
    if graph.focus:
        out += [f"Only the nodes on the paths from {graph.focus} to J (--focus); a node's "
                "inputs may lie off them."]
    ids = [node.id for node in graph.nodes]
    w = max(len("node"), *(len(i) for i in ids))
    out += ["", f"  {'node'.ljust(w)}  {'value':>10}  {'∂J/∂node':>10}  computed as"]
    for node in graph.nodes:
        how = node.formula or node.kind
        out.append(f"  {node.id.ljust(w)}  {number(node.value):>10}  {number(node.grad):>10}  "
                   f"{how}".rstrip())
    out += ["", "Backward, one node at a time: ∂J/∂node is, summed over the nodes it feeds,",
            "∂J/∂(that node) × ∂(that node)/∂node."]
    for step in graph.steps():
        out.append("  " + step.equation())
        if step.note:
            out.append("      " + step.note)
    return "\n".join(out) + "\n"


def penalty_lines(l2: float, l1: float) -> list[str]:
    """How the penalties enter the row's graph, in words: each is shared by the N rows."""
    if not (l2 or l1):
        return []
    both = bool(l2 and l1)
    lam2, lam1 = ("λ₂", "λ₁") if both else ("λ", "λ")
    out = []
    if l2:
        out.append(f"The L2 penalty ½{lam2}·ΣW² ({lam2} = {l2:g}) is shared by the rows: node "
                   f"L2 is ({lam2}/2N)·ΣW², its slope {lam2}·W/N.")
    if l1:
        out.append(f"The L1 penalty {lam1}·Σ|W| ({lam1} = {l1:g}) is shared by the rows: node "
                   f"L1 is ({lam1}/N)·Σ|W|, its slope {lam1}·sign(W)/N (0 where W is 0).")
    terms = " + ".join(("loss", *(("L2",) if l2 else ()), *(("L1",) if l1 else ())))
    out.append(f"J = {terms}; the biases are not penalised.")
    return out


# ---------------------------------------------------------------- json

def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def graph_doc(graph: Graph, session: Session) -> dict:
    """`{"row": N, "nodes": [{"id", "op", "value", "grad", "inputs"}, …]}`, with each node's
    kind, layer and local derivatives (∂node/∂input, in the order of `inputs`), and the
    backward walk's equations. Non-finite numbers are null."""
    nodes = [{"id": nd.id, "op": nd.op, "kind": nd.kind, "layer": nd.layer,
              "value": _finite(nd.value), "grad": _finite(nd.grad), "inputs": list(nd.inputs),
              "local": [_finite(v) for v in nd.local]} for nd in graph.nodes]
    steps = [{"id": st.node, "equation": st.equation(max_terms=10**9)}
             for st in graph.steps()]
    return {"row": graph.row, "epoch": session.epoch, "n": graph.n, "loss": graph.loss,
            "l2": session.l2, "l1": session.l1, "focus": graph.focus, "nodes": nodes,
            "steps": steps}


def graph_json(graph: Graph, session: Session) -> str:
    return json.dumps(graph_doc(graph, session)) + "\n"


# ---------------------------------------------------------------- dot

def _label(text: str) -> str:
    """Text inside a Graphviz record label: its field marks escaped."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def graph_dot(graph: Graph) -> str:
    """Graphviz source, micrograd's draw_dot: a record `id | value | grad` per node, and a
    small node for the operation that made it, left to right (`dot -Tsvg`)."""
    name = {node.id: f"n{k}" for k, node in enumerate(graph.nodes)}
    out = [f"digraph row{graph.row} {{", "  rankdir=LR;",
           '  node [shape=record, fontname="monospace"];']
    for node in graph.nodes:
        me = name[node.id]
        out.append(f'  {me} [label="{{ {_label(node.id)} | value {number(node.value)} | '
                   f'grad {number(node.grad)} }}"];')
        if node.is_leaf:
            continue
        out.append(f'  {me}_op [label="{_label(node.op)}", shape=circle];')
        out.append(f"  {me}_op -> {me};")
        for src in node.inputs:
            if src in name:
                out.append(f"  {name[src]} -> {me}_op;")
    out.append("}")
    return "\n".join(out) + "\n"


def graph_output(session: Session, row: int = 0, fmt: str = "text",
                 focus: str | None = None) -> str:
    """What `backprop graph` prints: row `row`'s graph in format `fmt`."""
    if fmt not in GRAPH_FORMATS:
        raise UserError(f"unknown format {fmt!r}; choose one of {', '.join(GRAPH_FORMATS)}",
                        field="format")
    graph = session_graph(session, row, focus)
    if fmt == "json":
        return graph_json(graph, session)
    if fmt == "dot":
        return graph_dot(graph)
    return graph_text(graph, session)
