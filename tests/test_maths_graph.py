"""One row's term of J as a graph of scalars (`core.maths.graph`, `backprop graph`).

Three oracles we did not write into the graph: a tiny reverse-mode autograd written here
(micrograd's Value, every node compared by name, value and gradient), the session's own
backprop (the rows' grads add up to the full-batch dW to 1e-12), and finite differences on
the row's term. Then --focus against reachability worked out here, the three formats and
the command line's bad input.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from core import Config, UserError, open_session, save_session
from core.maths.graph import row_graph
from core.present.chain import graph_doc, graph_dot, graph_text, session_graph

from .programs_helpers import run_main

# ---------------------------------------------------------------- a tiny autograd


class V:
    """micrograd's Value: a scalar that remembers how it was made, for reverse mode."""

    def __init__(self, data: float, children: tuple[V, ...] = (), locals_=()) -> None:
        self.data, self.grad = float(data), 0.0
        self.children, self.locals = children, locals_

    def __add__(self, other: V | float) -> V:
        other = other if isinstance(other, V) else V(other)
        return V(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: V | float) -> V:
        other = other if isinstance(other, V) else V(other)
        return V(self.data * other.data, (self, other), (other.data, self.data))

    def __sub__(self, other: V | float) -> V:
        return self + (other * -1.0 if isinstance(other, V) else V(-other))

    def abs(self) -> V:
        """|x|, with torch's slope at the kink: sign(0) = 0."""
        slope = 1.0 if self.data > 0 else -1.0 if self.data < 0 else 0.0
        return V(abs(self.data), (self,), (slope,))

    def pow2(self) -> V:
        return V(self.data ** 2, (self,), (2 * self.data,))

    def exp(self) -> V:
        e = math.exp(self.data)
        return V(e, (self,), (e,))

    def log(self) -> V:
        return V(math.log(self.data), (self,), (1 / self.data,))

    def inv(self) -> V:
        return V(1 / self.data, (self,), (-1 / self.data ** 2,))

    def act(self, name: str) -> V:
        z = self.data
        if name == "tanh":
            t = math.tanh(z)
            return V(t, (self,), (1 - t * t,))
        if name == "sigmoid":
            s = 1 / (1 + math.exp(-z))
            return V(s, (self,), (s * (1 - s),))
        if name == "relu":
            return V(max(z, 0.0), (self,), (1.0 if z > 0 else 0.0,))
        return self

    def backward(self) -> None:
        order, seen = [], set()

        def visit(v: V) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for c in v.children:
                    visit(c)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for c, local in zip(v.children, v.locals, strict=True):
                c.grad += local * v.grad


def total(values: list[V]) -> V:
    out = values[0]
    for v in values[1:]:
        out = out + v
    return out


def autograd_row(session, row: int) -> dict[str, V]:
    """Row `row`'s term of J built here from the session's numbers, every named node kept."""
    ds, net, cfg = session.dataset, session.net, session.config
    n, L = ds.X.shape[0], net.depth
    named: dict[str, V] = {}
    prev = []
    for i, x in enumerate(ds.X[row]):
        prev.append(named.setdefault(f"X[{row},{i}]", V(x)))
    prev_names = [f"X[{row},{i}]" for i in range(len(prev))]
    outs = ["H"] if L == 2 else [f"H{k}" for k in range(1, L)]
    outs.append("yhat")
    for k in range(L):
        act = cfg.output_activation if k == L - 1 else cfg.activation
        W, b = net.W[k], net.b[k][0]
        Ws = {(i, j): named.setdefault(f"W{k + 1}[{i},{j}]", V(W[i, j]))
              for i in range(W.shape[0]) for j in range(W.shape[1])}
        zs = []
        for j in range(W.shape[1]):
            prods = []
            for i in range(W.shape[0]):
                p = prev[i] * Ws[i, j]
                named[f"{prev_names[i]}*W{k + 1}[{i},{j}]"] = p
                prods.append(p)
            bias = named.setdefault(f"b{k + 1}[{j}]", V(b[j]))
            z = total([*prods, bias])
            named[(f"Z{k + 1}" if act != "linear" else outs[k]) + f"[{j}]"] = z
            zs.append(z)
        if act == "softmax":
            top = max(z.data for z in zs)
            es = [(z - top).exp() for z in zs]
            inv = total(es).inv()
            acts = [e * inv for e in es]
        else:
            acts = [z.act(act) for z in zs]
        for j, a in enumerate(acts):
            named[f"{outs[k]}[{j}]"] = a
        prev, prev_names = acts, [f"{outs[k]}[{j}]" for j in range(len(acts))]
    ys = [named.setdefault(f"y[{row},{k}]", V(t)) for k, t in enumerate(ds.y[row])]
    if cfg.loss == "mse":
        loss = total([(a - t).pow2() for a, t in zip(prev, ys, strict=True)]) * (0.5 / n)
    elif cfg.loss == "bce":
        loss = total([t * a.log() + (t * -1.0 + 1.0) * (a * -1.0 + 1.0).log()
                      for a, t in zip(prev, ys, strict=True)]) * (-1.0 / n)
    else:
        loss = total([t * a.log() for a, t in zip(prev, ys, strict=True)]) * (-1.0 / n)
    J = loss
    weights = [v for name, v in named.items() if re.fullmatch(r"W\d+\[\d+,\d+\]", name)]
    if cfg.l2 or cfg.l1:
        named["loss"] = loss
    if cfg.l2:  # each row carries 1/N of ½λ·ΣW²
        named["L2"] = total([w.pow2() for w in weights]) * (cfg.l2 / (2 * n))
        J = J + named["L2"]
    if cfg.l1:  # and 1/N of λ·Σ|W|
        named["L1"] = total([w.abs() for w in weights]) * (cfg.l1 / n)
        J = J + named["L1"]
    named["J"] = J
    J.backward()
    return named


NETS = [
    dict(preset="notebook"),
    dict(data="xor", hidden=(3,), activation="tanh", seed=2),
    dict(data="circle", hidden=(4,), activation="relu", seed=5, init="he"),
    dict(data="gauss", hidden=(3, 2), activation="sigmoid", seed=1),
    dict(data="spiral3", hidden=(5,), activation="tanh", seed=3, loss="ce"),
    dict(data="sine", hidden=(4,), activation="tanh", output_activation="sigmoid",
         loss="mse", seed=4),
    dict(data="circle", hidden=(3,), activation="relu", seed=6, l2=0.3),
    dict(data="spiral3", hidden=(0,), loss="ce", seed=2, l2=0.05),
    dict(data="circle", hidden=(0,), loss="bce", seed=2),
    dict(data="notebook", hidden=(0,), seed=2),
    dict(preset="notebook", l1=0.01),
    dict(data="xor", hidden=(3,), activation="tanh", seed=2, l1=0.05, l2=0.1),
    dict(data="spiral3", hidden=(4,), activation="relu", seed=3, loss="ce", l1=0.003),
    dict(data="circle", hidden=(0,), loss="bce", seed=1, l1=0.01, l2=0.02,
         inputs=("x1", "x2", "x1^2", "x2^2")),
    dict(data="gauss", hidden=(3, 2), activation="sigmoid", seed=4, l1=0.02, l2=0.01,
         optimizer="adam", lr=0.01),
]


def _close(got: float, want: float, scale: float = 0.0) -> bool:
    return abs(got - want) <= 1e-12 * max(abs(want), scale, 1e-300) or abs(got - want) < 1e-15


@pytest.mark.parametrize("kw", NETS, ids=lambda kw: "-".join(str(v) for v in kw.values()))
def test_every_node_matches_a_hand_written_autograd(kw):
    session = open_session(Config(**kw))
    for row in (0, session.dataset.X.shape[0] - 1):
        graph = session_graph(session, row)
        mine = autograd_row(session, row)
        # every node the autograd names is in the graph, and every graph node is named here
        assert set(mine) == set(graph.ids)
        for node in graph.nodes:
            v = mine[node.id]
            assert _close(node.value, v.data, 1.0), (node.id, node.value, v.data)
            assert _close(node.grad, v.grad, 1e-9), (node.id, node.grad, v.grad)




@pytest.mark.parametrize("kw", NETS, ids=lambda kw: "-".join(str(v) for v in kw.values()))
def test_rows_add_up_to_the_full_batch_gradient(kw):
    """Summed over the training rows, each parameter's grad is the dW or db of the session's
    own first update (L2 included), to 1e-12 of the sum of the rows' magnitudes."""
    session = open_session(Config(**kw))
    graphs = [session_graph(session, int(r)) for r in session.dataset.train_rows]
    rec = session.step()
    for k in range(rec.depth):
        for name, grads in ((f"W{k + 1}", rec.dW[k]), (f"b{k + 1}", rec.db[k])):
            for (i, j), want in np.ndenumerate(grads):
                node = f"{name}[{i},{j}]" if name[0] == "W" else f"{name}[{j}]"
                parts = [g.node(node).grad for g in graphs]
                got = math.fsum(parts)
                scale = math.fsum(abs(p) for p in parts)
                assert abs(got - want) <= 1e-12 * max(scale, abs(want)) + 1e-300, \
                    (node, got, want)


def test_a_weight_at_zero_takes_no_l1_slope():
    """|w| has no slope at 0: the graph takes sign(0) = 0, as torch's abs and the session's
    update do, and the rows still add up to the session's dW there."""
    session = open_session(Config(preset="notebook", l1=0.05, l2=0.02))
    session.set_param(0, "W", 1, 0, 0.0)
    graphs = [session_graph(session, r) for r in range(4)]
    node = graphs[0].node("L1")
    assert node.local[node.inputs.index("W1[1,0]")] == 0.0
    assert node.local[node.inputs.index("W1[0,0]")] == pytest.approx(0.05 / 4)
    step = next(s for s in graphs[0].steps() if s.node == "W1[1,0]")
    assert "sign(0) = 0" in step.note
    rec = session.preview()
    got = math.fsum(g.node("W1[1,0]").grad for g in graphs)
    assert got == pytest.approx(float(rec.dW[0][1, 0]), rel=1e-12, abs=1e-15)
    # the data's share alone: the L2 slope is 0 there too, so only the products count
    assert got == pytest.approx(math.fsum(
        g.node(f"X[{r},1]*W1[1,0]").grad * g.node(f"X[{r},1]").value
        for r, g in enumerate(graphs)), rel=1e-12)


@pytest.mark.parametrize("l2,l1", [(0.01, 0.0), (0.0, 0.02), (0.01, 0.02)])
def test_finite_differences_of_one_rows_term(l2, l1):
    session = open_session(Config(data="spiral3", hidden=(4,), activation="tanh", seed=7,
                                  l2=l2, l1=l1))
    ds, net = session.dataset, session.net
    graph = session_graph(session, 5)
    n = ds.X.shape[0]

    def J() -> float:
        return row_graph(net, session.loss_fn, ds.X[5], ds.y[5], n, l2=l2, l1=l1,
                         row=5).node("J").value

    h = 1e-6
    for layer, i, j in [(0, 1, 2), (1, 3, 0), (1, 0, 2)]:
        W = net.W[layer]
        keep = W[i, j]
        W[i, j] = keep + h
        up = J()
        W[i, j] = keep - h
        down = J()
        W[i, j] = keep
        numeric = (up - down) / (2 * h)
        assert numeric == pytest.approx(graph.node(f"W{layer + 1}[{i},{j}]").grad, rel=1e-6)


@pytest.mark.parametrize("kw", NETS, ids=lambda kw: "-".join(str(v) for v in kw.values()))
def test_the_walk_multiplies_out_and_runs_backwards(kw):
    """Each step's terms, upstream gradient × local derivative, add up to the node's grad,
    and every upstream gradient was walked before: the local derivatives are right too."""
    graph = session_graph(open_session(Config(**kw)), 1)
    steps = graph.steps()
    assert steps[0].node == "J" and steps[0].equation().startswith("∂J/∂J = 1")
    done = set()
    for step in steps:
        node = graph.node(step.node)
        # each term's upstream gradient is known before this node is walked
        assert all(t.upstream in done for t in step.terms)
        if step.terms:
            assert math.fsum(t.upstream_grad * t.local for t in step.terms) == \
                pytest.approx(node.grad, rel=1e-9, abs=1e-15)
        done.add(step.node)
    assert done == set(graph.ids)


def test_a_deep_walk_names_its_steps():
    session = open_session(Config(data="gauss", hidden=(3, 2), activation="tanh", seed=3))
    steps = session_graph(session, 2).steps()
    h = next(s for s in steps if s.node == "H1[0]")
    assert h.equation().startswith("∂J/∂H1[0] = ∂J/∂(H1[0]*W2[0,0]) · W2[0,0] + ")
    z = next(s for s in steps if s.node == "Z1[0]")
    assert z.note == "tanh′(Z1[0]) = 1 − H1[0]²"


def test_the_notebook_walk_reads_as_the_lecture_writes_it():
    session = open_session(Config(preset="notebook"))
    steps = {s.node: s for s in session_graph(session, 0).steps()}
    assert steps["W2[0,0]"].equation() == \
        "∂J/∂W2[0,0] = ∂J/∂(H[0]*W2[0,0]) · H[0] = 0.1863 × 0.4267 = 0.0795"
    assert steps["H[0]"].equation() == \
        "∂J/∂H[0] = ∂J/∂(H[0]*W2[0,0]) · W2[0,0] = 0.1863 × 0.6785 = 0.1264"


def _descendants(graph, start: str) -> set[str]:
    users: dict[str, set[str]] = {}
    for node in graph.nodes:
        for src in node.inputs:
            users.setdefault(src, set()).add(node.id)
    seen, todo = {start}, [start]
    while todo:
        for user in users.get(todo.pop(), ()):
            if user not in seen:
                seen.add(user)
                todo.append(user)
    return seen


@pytest.mark.parametrize("kw,focus", [
    (dict(preset="notebook"), "W1[0,1]"),
    (dict(data="gauss", hidden=(3, 2), activation="tanh", seed=1), "W2[1,0]"),
    (dict(data="gauss", hidden=(3, 2), activation="tanh", seed=1), "b1[2]"),
    (dict(data="spiral3", hidden=(4,), seed=1, l2=0.1), "W1[1,3]"),
    (dict(data="spiral3", hidden=(4,), seed=1, l2=0.1, l1=0.01), "W2[1,2]"),
    (dict(data="xor", hidden=(3,), seed=1, l2=0.1, l1=0.01), "L1"),
    (dict(data="xor", hidden=(3,), seed=1, l2=0.1, l1=0.01), "L2"),
    (dict(data="xor", hidden=(3,), seed=1, l1=0.01), "loss"),
    (dict(data="xor", hidden=(3,), seed=1, l1=0.01), "J"),
    (dict(data="xor", hidden=(3,), seed=1, l1=0.01), "X[0,1]"),
    (dict(data="spiral3", hidden=(4,), seed=1), "X[0,1]"),
    (dict(data="spiral3", hidden=(4,), seed=1), "Z1[2]"),
])
def test_focus_keeps_the_paths_from_one_node_to_J(kw, focus):
    session = open_session(Config(**kw))
    full = session_graph(session, 0)
    part = session_graph(session, 0, focus=focus)
    assert set(part.ids) == _descendants(full, focus) == full.paths_from(focus)
    assert "J" in part and part.focus == focus
    for node in part.nodes:  # the same numbers as in the whole graph
        assert node.grad == full.node(node.id).grad and node.value == full.node(node.id).value


def test_a_graph_too_big_to_draw_asks_for_a_focus():
    session = open_session(Config(data="circle", hidden=(256, 256), seed=1))
    with pytest.raises(UserError, match="--focus"):
        session_graph(session, 0)
    small = session_graph(session, 0, focus="W3[5,0]")
    assert small.ids == ("W3[5,0]", "H2[5]*W3[5,0]", "Z3[0]", "yhat[0]", "J")


def test_test_rows_and_rows_past_the_end_have_no_graph():
    session = open_session(Config(data="circle", seed=1, test_fraction=0.5))
    test_row = int(session.dataset.test_rows[0])
    with pytest.raises(UserError, match="test row"):
        session_graph(session, test_row)
    with pytest.raises(UserError, match="rows are 0 to 199"):
        session_graph(session, 200)
    train_row = int(session.dataset.train_rows[3])
    assert session_graph(session, train_row).row == train_row


def test_the_formats():
    session = open_session(Config(data="xor", hidden=(2,), activation="tanh", seed=1))
    graph = session_graph(session, 3)
    doc = json.loads(json.dumps(graph_doc(graph, session)))
    assert doc["row"] == 3 and doc["loss"] == "bce"
    node = next(n for n in doc["nodes"] if n["id"] == "W2[1,0]")
    assert set(node) >= {"id", "op", "value", "grad", "inputs"} and node["op"] == ""
    prod = next(n for n in doc["nodes"] if n["id"] == "H[1]*W2[1,0]")
    assert prod["op"] == "*" and prod["inputs"] == ["H[1]", "W2[1,0]"]
    assert prod["local"] == [graph.node("W2[1,0]").value, graph.node("H[1]").value]
    dot = graph_dot(graph)
    assert re.match(r"digraph \w+ \{", dot) and dot.count("{") == dot.count("}")
    assert len(re.findall(r"->", dot)) == sum(
        1 + len(n.inputs) for n in graph.nodes if n.op)
    text = graph_text(graph, session)
    assert "∂J/∂W2[1,0] = ∂J/∂(H[1]*W2[1,0]) · H[1]" in text
    assert "σ′ and" not in text or "bce" in text


def test_the_formats_with_both_penalties():
    session = open_session(Config(preset="notebook", l2=0.02, l1=0.01))
    graph = session_graph(session, 0)
    doc = json.loads(json.dumps(graph_doc(graph, session)))
    assert doc["l2"] == 0.02 and doc["l1"] == 0.01
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes["L1"]["op"] == "l1" and nodes["L2"]["op"] == "l2"
    assert nodes["J"]["inputs"] == ["loss", "L2", "L1"]
    assert nodes["J"]["value"] == pytest.approx(
        nodes["loss"]["value"] + nodes["L2"]["value"] + nodes["L1"]["value"], rel=1e-15)
    text = graph_text(graph, session)
    assert "node L1 is (λ₁/N)·Σ|W|" in text and "J = loss + L2 + L1" in text
    assert "∂J/∂L1 · λ₁·sign(W2[0,0])/N" in text
    dot = graph_dot(graph)
    assert 'label="l1"' in dot and dot.count("{") == dot.count("}")
    # one penalty alone is written with a plain λ, as before
    alone = open_session(Config(preset="notebook", l1=0.01))
    text = graph_text(session_graph(alone, 0), alone)
    assert "node L1 is (λ/N)·Σ|W|" in text and "J = loss + L1;" in text and "L2" not in text


def test_a_cross_input_is_named():
    session = open_session(Config(data="circle", hidden=(0,), loss="bce", seed=1,
                                  inputs=("x1", "x2", "x1^2")))
    graph = session_graph(session, 0)
    assert graph.node("X[0,2]").formula == "input x1^2"
    x1 = graph.node("X[0,0]").value
    assert graph.node("X[0,2]").value == x1 * x1


def test_cli_graph_prints_writes_and_resumes(tmp_path):
    code, out, _ = run_main("graph", "--preset", "notebook", "--format", "json", "--row", "2")
    assert code == 0 and json.loads(out)["row"] == 2
    path = tmp_path / "g.dot"
    code, out, _ = run_main("graph", "--preset", "notebook", "--format", "dot", "-o", str(path))
    assert code == 0 and out == f"{path}\n" and path.read_text().startswith("digraph")
    session = open_session(Config(preset="notebook"))
    session.run(7)
    save_session(session, str(tmp_path / "s.json"))
    code, out, _ = run_main("graph", "--resume", str(tmp_path / "s.json"), "--format", "json")
    doc = json.loads(out)
    assert doc["epoch"] == 7
    want = session_graph(session, 0).node("W1[1,0]").grad
    assert next(n for n in doc["nodes"] if n["id"] == "W1[1,0]")["grad"] == want


def test_cli_graph_draws_either_run_of_two(tmp_path):
    """`--run B` draws run B, of a --compare or of a two-run session file (saved with a
    schedule, L1 and mid-epoch), at the parameters the file holds."""
    from core import open_compare
    from core.present.chain import graph_json

    opts = ("--data", "xor", "--hidden", "3", "--seed", "2", "--optimizer", "sgd",
            "--batch-size", "2", "--lr-schedule", "step:2:0.5")
    change = "--l1 0.05 --activation relu"
    a = open_session(Config(data="xor", hidden=(3,), seed=2, optimizer="sgd", batch_size=2,
                            lr_schedule="step:2:0.5"))
    pair = open_compare(a, {"l1": 0.05, "activation": "relu"}, change)
    code, out, err = run_main("graph", *opts, "--compare", change, "--run", "B", "--format",
                          "json", "--row", "1")
    assert code == 0, err
    assert out == graph_json(session_graph(pair.b, 1), pair.b)
    pair.run(3)
    pair.a.step_update()
    pair.b.step_update()
    path = tmp_path / "two.json"
    save_session(a, str(path), pair)
    for run, session in (("A", pair.a), ("B", pair.b)):
        code, out, err = run_main("graph", "--resume", str(path), "--run", run, "--format", "json")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["epoch"] == 3 and doc["l1"] == session.l1
        assert out == graph_json(session_graph(session, 0), session)
    code, _, err = run_main("graph", "--preset", "notebook", "--run", "B")
    assert code == 2 and "--run B draws run B" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv", [
    ("--preset", "notebook", "--row", "4"),
    ("--preset", "notebook", "--row", "-1"),
    ("--preset", "notebook", "--focus", "W9[0,0]"),
    ("--preset", "notebook", "--focus", "L1"),
    ("--preset", "notebook", "--l2", "0.1", "--focus", "L1"),
    ("--preset", "notebook", "--format", "svg"),
    ("--data", "circle", "--test-fraction", "0.5", "--seed", "1", "--row", "0", "--row", "1",
     "--row", "2", "--row", "3", "--row", "4", "--row", "5"),
    ("--preset", "notebook", "--epochs", "5"),
])
def test_cli_bad_input_is_one_line_and_exit_2(argv, tmp_path):
    if "--test-fraction" in argv:
        session = open_session(Config(data="circle", test_fraction=0.5, seed=1))
        argv = (*argv[:-2], "--row", str(int(session.dataset.test_rows[0])))
    code, _, err = run_main("graph", *argv)
    assert code == 2 and err.startswith("backprop: error:") and err.count("\n") == 1, err


def test_cli_does_not_overwrite_without_force(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("keep")
    code, _, err = run_main("graph", "--preset", "notebook", "-o", str(path))
    assert code == 2 and "--force" in err and path.read_text() == "keep"
    assert run_main("graph", "--preset", "notebook", "-o", str(path), "--force")[0] == 0
    assert path.read_text().startswith("Row 0's term of J")
