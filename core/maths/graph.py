"""One row's term of J as a graph of scalars, micrograd's way: the chain rule one number at
a time.

J is a sum over the N training rows, J = Σₙ Jₙ, and `row_graph` writes one row's term Jₙ
out in scalars. The leaves are the row's inputs `X[n,i]` and targets `y[n,k]`, every weight
`W1[i,j]` and bias `b1[j]`. Above them: each product `X[n,i]*W1[i,j]`, each sum `Z1[j]` (the
products of unit j plus its bias), each activation `H[j]`, each output `yhat[k]`, and last
`J`, the row's term scaled as in J: the 1/N, and the ½ of mse (J = (1/2N)·Σ(ŷ−y)²).

Every node keeps its value, its inputs, the local derivative ∂node/∂input of each, and
`grad`: ∂J/∂node for this row's term. Summed over the rows, a weight's grad is the gradient
dW that backprop computes for the whole batch (a test holds it to 1e-12).

Names are the views' names: a linear activation adds no node, so the sum is the layer's
output and takes its name (the notebook's H = X·W1 + b1 gives `H[j]`); with several hidden
layers they are `H1[j]`, `H2[j]`, …; ŷ is written `yhat`.

The penalties on the weights (never the biases) are shared equally by the rows. With
`--l2 λ`, ½λ·ΣW² gives a node `L2` = (λ/2N)·ΣW² fed by every weight, whose slope for w is
λ·w/N; with `--l1 λ`, λ·Σ|W| gives a node `L1` = (λ/N)·Σ|W|, whose slope is λ·sign(w)/N
(0 at w = 0, as torch's abs differentiates). With either, the row's loss term is a node
`loss` and `J` = loss + L2 + L1 (those there are). Summed over the rows that is the whole
penalty, and a weight's grad sums to dW + λ₂·W + λ₁·sign(W), the gradient the optimiser uses.

With bce (a sigmoid output) and ce (a softmax output), ∂J/∂Z of the output is written as
backprop computes it, (ŷ − y)/N, where the loss's slope and the activation's cancel; the
walk still shows the two factors when both are finite numbers.

`focus` keeps only the nodes on the paths from one node (a weight, say) to J.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from ..names import layer_names, pre_activation_name
from .activations import Activation
from .losses import Loss
from .network import Network

# Nodes plus edges a graph may have: a row's graph of a 2-32-3 network has about 1,000, of
# a 2-256-256-1 network 200,000 (then `focus` shows the paths of one parameter).
MAX_ELEMENTS = 100_000

# The backward walk, layer by layer from J: within a layer the outputs, then the sums, the
# products, the biases and the weights (each in index order); the row's inputs last.
WALK = ("objective", "penalty", "loss", "activation", "sum", "product", "bias", "weight",
        "input", "target")

# How each activation's slope is computed, for the walk's notes: from z, or from a = f(z).
SLOPES = {"tanh": "1 − {a}²", "sigmoid": "{a}·(1 − {a})", "relu": "1 if {z} > 0, else 0"}


@dataclass(frozen=True)
class Node:
    id: str  # "W1[0,1]", "X[0,1]*W1[1,0]", "H[1]", "yhat[0]", "J"
    op: str  # "" for a leaf; "*", "+", an activation's name, "softmax", the loss's name, "l2",
    # "l1"
    kind: str  # input, target, weight, bias, product, sum, activation, loss, penalty, objective
    value: float
    grad: float  # ∂J/∂node for this row's term
    inputs: tuple[str, ...] = ()
    local: tuple[float, ...] = ()  # ∂node/∂input, one per input
    local_names: tuple[str, ...] = ()  # how each local derivative is written
    formula: str = ""  # how the value is computed from the inputs, in words of ids
    layer: int = 0  # 1 for W1, b1, their products, Z1 and H; 0 for the row; L + 1 for J

    @property
    def is_leaf(self) -> bool:
        return not self.op


@dataclass(frozen=True)
class Term:
    """One consumer's share of a node's gradient: upstream gradient × local derivative."""

    upstream: str  # the consumer's id
    upstream_grad: float  # ∂J/∂consumer
    local_name: str  # ∂consumer/∂node, written out
    local: float  # its value


def number(x: float) -> str:
    """A number in the walk's equations: whole numbers as they are, else 4 decimals, or 3
    significant figures in scientific notation when 4 decimals would hide it (a tiny
    gradient never reads as 0.0000)."""
    if not math.isfinite(x):
        return "nan" if x != x else ("inf" if x > 0 else "−inf")
    if x == int(x) and abs(x) < 1e4:
        return str(int(x))  # a sum's slope 1, a target 0 or 1
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.4f}"
    mantissa, exp = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exp)}"


def _d(node_id: str) -> str:
    """`∂J/∂H[0]`, with a product in brackets: `∂J/∂(H[0]*W2[0,0])`."""
    return f"∂J/∂({node_id})" if "*" in node_id else f"∂J/∂{node_id}"


@dataclass(frozen=True)
class Step:
    """One step of the backward walk: a node's gradient from the gradients above it."""

    node: str
    terms: tuple[Term, ...]  # one per consumer; none for J itself
    grad: float
    note: str = ""  # how a local derivative is computed, where its name does not say

    def equation(self, fmt: Callable[[float], str] = number, max_terms: int = 4) -> str:
        """`∂J/∂H[0] = ∂J/∂(H[0]*W2[0,0]) · W2[0,0] = 0.1217 × 0.4805 = 0.0585`."""
        if not self.terms:
            return f"{_d(self.node)} = 1   (backprop starts here)"
        terms = list(self.terms)
        cut = len(terms) > max_terms
        shown = terms[: max_terms - 1] + terms[-1:] if cut else terms
        gap = f" + … ({len(terms)} terms)" if cut else ""

        def join(parts: list[str]) -> str:
            return " + ".join(parts[:-1]) + gap + " + " + parts[-1] if cut and len(parts) > 1 \
                else " + ".join(parts)

        symbols = join([f"{_d(t.upstream)} · {t.local_name}" for t in shown])
        numbers = join([f"{fmt(t.upstream_grad)} × {fmt(t.local)}" for t in shown])
        return f"{_d(self.node)} = {symbols} = {numbers} = {fmt(self.grad)}"


@dataclass(frozen=True, eq=False)
class Graph:
    """Row `row`'s term of J as scalars. `nodes` run forwards: each after its inputs, J last."""

    row: int
    n: int  # training rows: the N of J
    loss: str
    nodes: tuple[Node, ...]
    focus: str | None = None
    _index: dict[str, Node] = field(default_factory=dict, repr=False)
    _steps: list[tuple[Step, ...]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._index.update((node.id, node) for node in self.nodes)

    def __contains__(self, node_id: str) -> bool:
        return node_id in self._index

    def node(self, node_id: str) -> Node:
        try:
            return self._index[node_id]
        except KeyError:
            raise UserError(f"no node {node_id!r} in row {self.row}'s graph") from None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(node.id for node in self.nodes)

    def paths_from(self, start: str) -> frozenset[str]:
        """The nodes on the paths from `start` to J: `start` and every node it feeds, and
        what those feed (empty when `start` is not in the graph)."""
        if start not in self._index:
            return frozenset()
        users: dict[str, list[str]] = {}
        for node in self.nodes:
            for src in node.inputs:
                users.setdefault(src, []).append(node.id)
        seen, todo = {start}, [start]
        while todo:
            for user in users.get(todo.pop(), ()):
                if user not in seen:
                    seen.add(user)
                    todo.append(user)
        return frozenset(seen)

    def steps(self) -> tuple[Step, ...]:
        """The backward walk: J first, then every node after all the nodes it feeds, each
        with its gradient as the sum over those nodes of upstream gradient × local one."""
        if self._steps:
            return self._steps[0]
        uses: dict[str, list[Term]] = {node.id: [] for node in self.nodes}
        notes: dict[str, str] = {}
        for node in self.nodes:
            for k, src in enumerate(node.inputs):
                if src in uses:
                    uses[src].append(Term(node.id, node.grad, node.local_names[k],
                                          node.local[k]))
                    if node.op in SLOPES or node.op == "softmax":
                        notes[src] = self._note(node, src)
                    elif node.op == "l1" and src in self and self.node(src).value == 0:
                        notes[src] = (f"{src} is 0, where |w| has no slope: sign(0) = 0 is "
                                      "taken, as torch's abs does")
        order = sorted(range(len(self.nodes)), key=lambda k: (
            -self.nodes[k].layer, WALK.index(self.nodes[k].kind), k))
        steps = tuple(Step(node.id, tuple(uses[node.id]), node.grad, notes.get(node.id, ""))
                      for node in (self.nodes[k] for k in order))
        self._steps.append(steps)
        return steps

    def _note(self, user: Node, z: str) -> str:
        """How an activation's slope is computed, and why the output's ∂J/∂z is ŷ − y over N
        with bce (sigmoid) and ce (softmax)."""
        if user.op == "softmax":
            return ("∂yhat[k]/∂z[j] = yhat[k]·(δkj − yhat[j]); with ce the terms add up to "
                    "(yhat[j] − y[j])/N")
        note = f"{user.op}′({z}) = " + SLOPES[user.op].format(a=user.id, z=z)
        if self.loss == "bce" and user.id.startswith("yhat"):
            note += "; with bce the slopes cancel: (yhat − y)/N"
        return note


# ---------------------------------------------------------------- building one


def _plain(name: str) -> str:
    return "yhat" if name == "ŷ" else name


@dataclass
class _Layer:
    """One layer's numbers for the row, and which of its nodes the graph keeps."""

    W: np.ndarray
    b: np.ndarray
    z: np.ndarray  # (fan_out,)
    a: np.ndarray
    gz: np.ndarray  # ∂J/∂z
    ga: np.ndarray  # ∂J/∂a
    act: Activation
    sum_name: str  # "Z1", or "H" when the activation is linear
    out_name: str  # "H", "H1", "yhat"
    keep_W: np.ndarray  # (fan_in, fan_out) bools: the weight leaves kept
    keep_prod: np.ndarray  # (fan_in, fan_out)
    keep_z: np.ndarray  # (fan_out,)
    keep_a: np.ndarray
    keep_b: np.ndarray


def row_graph(net: Network, loss: Loss, x: np.ndarray, y: np.ndarray, n: int, *,
              l2: float = 0.0, l1: float = 0.0, row: int = 0, focus: str | None = None,
              limit: int = MAX_ELEMENTS, inputs: tuple[str, ...] | None = None) -> Graph:
    """Row `row`'s term of J at the network's current parameters. `x` and `y` are the row's
    (normalised) inputs and targets, `n` the number of training rows; `l2` and `l1` the
    penalties' λ. `inputs` names the network's inputs when they are not the features
    themselves (crosses such as x1^2). UserError when `focus` names no node, or the graph
    has more than `limit` nodes and edges."""
    with np.errstate(all="ignore"):  # a saturated output may have an infinite ∂J/∂ŷ
        return _Builder(net, loss, x, y, n, l2, l1, row, inputs).graph(focus, limit)


class _Builder:
    def __init__(self, net: Network, loss: Loss, x, y, n: int, l2: float, l1: float,
                 row: int, inputs: tuple[str, ...] | None = None) -> None:
        self.net, self.loss, self.n, self.row = net, loss, int(n), row
        self.l2, self.l1 = float(l2), float(l1)
        self.input_names = inputs
        # the penalties J has, in the order J adds them: (node id, λ)
        self.penalties = tuple((name, lam) for name, lam in (("L2", self.l2), ("L1", self.l1))
                               if lam > 0)
        self.x = np.asarray(x, dtype=float).reshape(1, -1)
        self.y = np.asarray(y, dtype=float).reshape(1, -1)
        L = net.depth
        names = layer_names(L)
        Zs, As = net.forward(self.x)
        self.Z_out, self.yhat = Zs[-1], As[-1]
        # backprop for this row: the session's own delta, divided by N as it divides dW
        d = loss.delta(As[-1], self.y, Zs[-1], net.output)
        gz: list[np.ndarray] = [d[0]] * L
        ga: list[np.ndarray] = [d[0]] * L
        for layer in range(L - 1, -1, -1):
            gz[layer] = d[0] / n
            back = np.dot(d, net.W[layer].T)
            if layer:
                ga[layer - 1] = back[0] / n
                act = net.activation(layer - 1)
                d = back if act.identity else back * act.deriv(Zs[layer - 1], As[layer - 1])
            else:
                self.gx = back[0] / n
        ga[L - 1] = self._grad_yhat()
        self.layers = []
        for layer in range(L):
            act = net.activation(layer)
            W = net.W[layer]
            self.layers.append(_Layer(
                W=W, b=net.b[layer][0], z=Zs[layer][0], a=As[layer][0], gz=gz[layer],
                ga=ga[layer], act=act,
                sum_name=_plain(pre_activation_name(layer, L, act.name)),
                out_name=_plain(names[layer]),
                keep_W=np.zeros(W.shape, bool), keep_prod=np.zeros(W.shape, bool),
                keep_z=np.zeros(W.shape[1], bool), keep_a=np.zeros(W.shape[1], bool),
                keep_b=np.zeros(W.shape[1], bool)))
        self.keep_x = np.zeros(self.x.shape[1], bool)
        self.keep_y = False
        self.keep_pen = {name for name, _ in self.penalties}

    def _grad_yhat(self) -> np.ndarray:
        """∂J/∂ŷ for this row's term: the loss's own slope."""
        yhat, y, n = self.yhat[0], self.y[0], self.n
        if self.loss.name == "bce":
            return (yhat - y) / (n * yhat * (1.0 - yhat))
        if self.loss.name == "ce":
            return -y / (n * yhat)
        return (yhat - y) / n

    # ------------------------------------------------------------------ which nodes

    def _keep_all(self) -> None:
        self.keep_x[:] = True
        self.keep_y = True
        for ly in self.layers:
            for mask in (ly.keep_W, ly.keep_prod, ly.keep_z, ly.keep_a, ly.keep_b):
                mask[...] = True

    def _keep_paths(self, focus: str) -> None:
        """Only the nodes on the paths from `focus` to J: the node, and all it feeds."""
        start, seed = self._find(focus)
        reach: np.ndarray | None = None  # the previous layer's outputs reached
        if start == -1:  # an input
            reach = seed
        for k, ly in enumerate(self.layers):
            if reach is not None and reach.any():
                ly.keep_prod[reach, :] = True
            if k == start:
                kind, idx = seed
                if kind == "W":
                    ly.keep_W[idx] = True
                    ly.keep_prod[idx] = True
                elif kind == "prod":
                    ly.keep_prod[idx] = True
                elif kind in ("b", "z"):
                    ly.keep_z[idx] = True
                    if kind == "b":
                        ly.keep_b[idx] = True
                elif kind == "a":
                    ly.keep_a[idx] = True
            ly.keep_z |= ly.keep_prod.any(axis=0)
            if ly.act.name == "softmax" and ly.keep_z.any():
                ly.keep_a[:] = True
            else:
                ly.keep_a |= ly.keep_z
            reach = ly.keep_a.copy() if ly.keep_a.any() else None
        self.keep_y = focus.startswith("y[")
        # a weight feeds every penalty; a penalty's node is on its own path alone
        self.keep_pen = self.keep_pen if focus.startswith("W") else self.keep_pen & {focus}

    def _find(self, focus: str) -> tuple[int, object]:
        """Where `focus` is: (layer, (kind, index)), or (-1, input mask) for an input X."""
        ids = focus.replace(" ", "")
        if m := re.fullmatch(r"X\[(\d+),(\d+)\]", ids):
            i = int(m[2])
            if int(m[1]) == self.row and i < self.x.shape[1]:
                mask = np.zeros(self.x.shape[1], bool)
                mask[i] = True
                self.keep_x[i] = True
                return -1, mask
        for k, ly in enumerate(self.layers):
            fan_in, fan_out = ly.W.shape
            if m := re.fullmatch(rf"W{k + 1}\[(\d+),(\d+)\]", ids):
                i, j = int(m[1]), int(m[2])
                if i < fan_in and j < fan_out:
                    return k, ("W", (i, j))
            if (m := re.fullmatch(rf"b{k + 1}\[(\d+)\]", ids)) and int(m[1]) < fan_out:
                return k, ("b", int(m[1]))
            if m := re.fullmatch(r"(.+)\*W" + str(k + 1) + r"\[(\d+),(\d+)\]", ids):
                i, j = int(m[2]), int(m[3])
                if i < fan_in and j < fan_out and m[1] == self._in_id(k, i):
                    return k, ("prod", (i, j))
            if m := re.fullmatch(r"(\w+)\[(\d+)\]", ids):
                j = int(m[2])
                if j < fan_out and m[1] == ly.sum_name:
                    return k, ("z", j)
                if j < fan_out and m[1] == ly.out_name:
                    return k, ("a", j)
        top = ("J", "loss", *self.keep_pen) if self.penalties else ("J",)
        if ids in top or (ids.startswith("y[") and ids in self._target_ids()):
            return len(self.layers), None
        raise UserError(f"--focus {focus}: no such node in this network's graph; name a "
                        f"weight, bias, input or unit, e.g. W1[0,0], b1[0], X[{self.row},0]",
                        field="focus")

    def _target_ids(self) -> list[str]:
        return [f"y[{self.row},{k}]" for k in range(self.y.shape[1])]

    def _size(self) -> int:
        """Nodes plus edges of the graph as kept."""
        total = int(self.keep_x.sum()) + (self.y.shape[1] if self.keep_y else 0) + 1
        for ly in self.layers:
            prods = int(ly.keep_prod.sum())
            total += int(ly.keep_W.sum()) + int(ly.keep_b.sum()) + 3 * prods
            total += (2 + ly.W.shape[0]) * int(ly.keep_z.sum())  # every product, the bias
            if not ly.act.identity:
                fan = ly.keep_z.size if ly.act.name == "softmax" else 1
                total += int(ly.keep_a.sum()) * (1 + fan)
        total += 2 * self.y.shape[1]  # the loss's edges
        if self.penalties:  # the node J (the loss's node is then `loss`) and its edges
            total += 2 + len(self.penalties)
            total += len(self.keep_pen) * (1 + sum(ly.W.size for ly in self.layers))
        return total

    # ------------------------------------------------------------------ the nodes

    def graph(self, focus: str | None, limit: int) -> Graph:
        self.focus = focus = (focus or "").replace(" ", "")
        if focus:
            self._keep_paths(focus)
        else:
            self._keep_all()
        size = self._size()
        if size > limit:
            arch = "-".join(str(s) for s in self.net.sizes)
            where = f" on the paths from {focus}" if focus else ""
            raise UserError(f"row {self.row}'s graph through {arch} has {size:,} nodes and "
                            f"edges{where}, more than the {limit:,} drawn one scalar at a "
                            "time; name one parameter with --focus (e.g. a weight of the "
                            "last layer) or use a smaller network", field="focus")
        nodes: list[Node] = []
        self._leaves(nodes)
        for k, ly in enumerate(self.layers):
            self._layer(nodes, k, ly)
        self._loss(nodes)
        return Graph(self.row, self.n, self.loss.name, tuple(nodes), focus or None)

    def _in_id(self, k: int, i: int) -> str:
        return f"X[{self.row},{i}]" if k == 0 else f"{self.layers[k - 1].out_name}[{i}]"

    def _leaves(self, nodes: list[Node]) -> None:
        names = self.input_names
        for i in np.flatnonzero(self.keep_x):
            how = f"input {names[i]}" if names else ""
            nodes.append(Node(self._in_id(0, int(i)), "", "input", float(self.x[0, i]),
                              float(self.gx[i]), formula=how, layer=0))
        if self.keep_y:
            for k, target in enumerate(self._target_ids()):
                nodes.append(Node(target, "", "target", float(self.y[0, k]),
                                  self._grad_target(k), layer=0))

    def _grad_target(self, k: int) -> float:
        """∂J/∂y for this row's term (the targets are leaves too)."""
        yhat, y, z, n = float(self.yhat[0, k]), float(self.y[0, k]), float(self.Z_out[0, k]), \
            self.n
        if self.loss.name == "bce":
            return -z / n
        if self.loss.name == "ce":
            return -_log_softmax(self.Z_out[0])[k] / n
        return -(yhat - y) / n

    def _layer(self, nodes: list[Node], k: int, ly: _Layer) -> None:
        w = f"W{k + 1}"
        b = f"b{k + 1}"
        a_prev = self.x[0] if k == 0 else self.layers[k - 1].a
        for i, j in np.argwhere(ly.keep_W):
            grad = float(a_prev[i] * ly.gz[j])
            for name, lam in self.penalties:  # each penalty's row share of its slope
                grad += float(lam / self.n * _slope(name, ly.W[i, j]))
            nodes.append(Node(f"{w}[{i},{j}]", "", "weight", float(ly.W[i, j]), grad,
                              layer=k + 1))
        for j in np.flatnonzero(ly.keep_b):
            nodes.append(Node(f"{b}[{j}]", "", "bias", float(ly.b[j]), float(ly.gz[j]),
                              layer=k + 1))
        for j in np.flatnonzero(ly.keep_z):
            for i in np.flatnonzero(ly.keep_prod[:, j]):
                src, wid = self._in_id(k, int(i)), f"{w}[{i},{j}]"
                nodes.append(Node(
                    f"{src}*{wid}", "*", "product", float(a_prev[i] * ly.W[i, j]),
                    float(ly.gz[j]), (src, wid), (float(ly.W[i, j]), float(a_prev[i])),
                    (wid, src), f"{src} * {wid}", k + 1))
            bias = f"{b}[{j}]"
            every = [f"{self._in_id(k, i)}*{w}[{i},{j}]" for i in range(ly.W.shape[0])]
            inputs = (*every, bias)
            z_id = f"{ly.sum_name}[{j}]"
            nodes.append(Node(z_id, "+", "sum", float(ly.z[j]), float(ly.gz[j]), inputs,
                              (1.0,) * len(inputs), ("1",) * len(inputs),
                              _sum_formula(every, bias), k + 1))
        if ly.act.identity:
            return
        for j in np.flatnonzero(ly.keep_a):
            out_id, z_id = f"{ly.out_name}[{j}]", f"{ly.sum_name}[{j}]"
            if ly.act.name == "softmax":
                zs = tuple(f"{ly.sum_name}[{m}]" for m in range(ly.z.size))
                a = ly.a
                local = tuple(float(a[j] * ((m == j) - a[m])) for m in range(ly.z.size))
                names = tuple(f"∂{out_id}/∂{z}" for z in zs)
                nodes.append(Node(out_id, "softmax", "activation", float(a[j]), float(ly.ga[j]),
                                  zs, local, names, f"softmax({ly.sum_name})[{j}]", k + 1))
                continue
            slope = ly.act.deriv(ly.z[j:j + 1], ly.a[j:j + 1])[0]
            nodes.append(Node(out_id, ly.act.name, "activation", float(ly.a[j]),
                              float(ly.ga[j]), (z_id,), (float(slope),),
                              (f"{ly.act.name}′({z_id})",), f"{ly.act.name}({z_id})", k + 1))

    def _loss(self, nodes: list[Node]) -> None:
        out = self.layers[-1]
        K = self.y.shape[1]
        yh = [f"{out.out_name}[{k}]" for k in range(K)]
        ys = self._target_ids()
        n = self.n
        value = float(self.loss.value(self.yhat, self.y, self.Z_out)[1]) / n
        g_yhat = out.ga
        g_y = [self._grad_target(k) for k in range(K)]
        name = self.loss.name
        if name == "mse":
            yn = [f"({a} − {t})/N" for a, t in zip(yh, ys, strict=True)]
            tn = [f"−({a} − {t})/N" for a, t in zip(yh, ys, strict=True)]
            formula = f"(1/2N)·({yh[0]} − {ys[0]})²" if K == 1 else \
                f"(1/2N)·Σk ({out.out_name}[k] − y[{self.row},k])²"
        elif name == "bce":
            yn = [f"({a} − {t})/(N·{a}·(1 − {a}))" for a, t in zip(yh, ys, strict=True)]
            tn = [f"−{out.sum_name}[{k}]/N" for k in range(K)]
            formula = f"(1/N)·bce({yh[0]}, {ys[0]})" if K == 1 else \
                f"(1/N)·Σk bce({out.out_name}[k], y[{self.row},k])"
        else:
            yn = [f"−{t}/(N·{a})" for a, t in zip(yh, ys, strict=True)]
            tn = [f"−log {a}/N" for a in yh]
            formula = f"−(1/N)·Σk y[{self.row},k]·log {out.out_name}[k]"
        inputs = (*yh, *ys)
        local = (*(float(v) for v in g_yhat), *g_y)
        loss_id = "loss" if self.penalties else "J"
        kind = "loss" if self.penalties else "objective"
        top = len(self.layers) + 1
        # the loss is on every path to J but those from J itself and from a penalty
        if not (self.penalties and self.focus in ("J", "L2", "L1")):
            nodes.append(Node(loss_id, name, kind, value, 1.0, inputs, local, (*yn, *tn),
                              formula, top))
        if not self.penalties:
            return
        wids, wvals = [], []
        for k, ly in enumerate(self.layers):
            for (i, j), v in np.ndenumerate(ly.W):
                wids.append(f"W{k + 1}[{i},{j}]")
                wvals.append(float(v))
        total = value
        for pen, lam in self.penalties:
            sym = self._symbol(pen)
            lam_n = lam / n
            if pen == "L2":
                penalty = 0.5 * lam * sum(float(np.dot(ly.W.ravel(), ly.W.ravel()))
                                          for ly in self.layers) / n
                local_names = tuple(f"{sym}·{w}/N" for w in wids)
                formula = f"({sym}/2N)·Σ W²  (every weight, no bias)"
            else:
                penalty = lam * sum(float(np.abs(ly.W).sum()) for ly in self.layers) / n
                local_names = tuple(f"{sym}·sign({w})/N" for w in wids)
                formula = f"({sym}/N)·Σ |W|  (every weight, no bias)"
            total += penalty
            if pen in self.keep_pen:
                nodes.append(Node(pen, pen.lower(), "penalty", penalty, 1.0, tuple(wids),
                                  tuple(lam_n * _slope(pen, v) for v in wvals), local_names,
                                  formula, top))
        ids = ("loss", *(pen for pen, _ in self.penalties))
        nodes.append(Node("J", "+", "objective", total, 1.0, ids, (1.0,) * len(ids),
                          ("1",) * len(ids), " + ".join(ids), top))

    def _symbol(self, pen: str) -> str:
        """λ for the one penalty there is; λ₂ and λ₁ when J has both."""
        if len(self.penalties) < 2:
            return "λ"
        return "λ₂" if pen == "L2" else "λ₁"


def _slope(penalty: str, w: float) -> float:
    """∂/∂w of one weight's term of a penalty, per λ: w for ½w², sign(w) for |w| (0 at
    w = 0, as torch's abs differentiates)."""
    return float(w) if penalty == "L2" else float(np.sign(w))


def _sum_formula(products: list[str], bias: str) -> str:
    if len(products) <= 3:
        return " + ".join((*products, bias))
    return f"{products[0]} + {products[1]} + … + {products[-1]} + {bias}  " \
        f"({len(products)} products)"


def _log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max()
    return z - (m + np.log(np.exp(z - m).sum()))
