"""Every unit's picture (`core.present.units`): a unit's output over the input plane, on the
output pane's grid, and the graph and health read from a SessionView as from the session."""

from __future__ import annotations

import numpy as np
import pytest

from core import Config, open_session, view
from core.present.chain import session_graph, view_graph
from core.present.checkup import session_health, view_health
from core.present.units import unit_pictures, unit_surface, value_range, view_network


def _by_hand(session, X: np.ndarray) -> list[np.ndarray]:
    """Each layer's outputs for inputs X, written out here."""
    cfg, A, out = session.config, X, []
    L = session.net.depth
    for k in range(L):
        Z = A @ session.net.W[k] + session.net.b[k]
        act = cfg.output_activation if k == L - 1 else cfg.activation
        A = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
             "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "linear": lambda z: z}[act](Z)
        out.append(A)
    return out


def test_unit_pictures_are_each_units_output_over_the_plane():
    session = open_session(Config(data="circle", hidden=(5, 3), activation="relu", seed=2))
    session.run(20)
    v = view(session)
    pics = unit_pictures(v, 7, 5)
    rows, cols = 5, 7
    sf = v.surface
    gx = np.linspace(*sf.x_range, cols)
    gy = np.linspace(sf.y_range[1], sf.y_range[0], rows)  # the top row is the largest
    raw = np.array([[x, y] for y in gy for x in gx])
    want = _by_hand(session, session.dataset.x_norm.apply(raw))
    assert len(pics.values) == 3
    for k, A in enumerate(want):
        assert pics.values[k].shape == (rows, cols, A.shape[1])
        assert np.allclose(pics.values[k].reshape(-1, A.shape[1]), A, rtol=1e-12, atol=1e-12)
    # unit 2 of layer 1 at the top-left pixel: the plane's smallest x1 and largest x2
    assert pics.values[0][0, 0, 2] == pytest.approx(want[0][0, 2])
    assert pics.ranges[0] == value_range("relu", pics.values[0])
    assert pics.ranges[0][0] == -pics.ranges[0][1]  # 0, a dead unit, in the middle


@pytest.mark.parametrize("inputs", [("x1", "x2", "x1^2", "x2^2"),
                                    ("x1", "x2", "x1*x2", "sin(x1)", "sin(x2)")])
def test_unit_pictures_with_input_crosses(inputs):
    """With crosses the network's inputs are functions of the plane's two features: each
    unit's picture is its output for the crosses of each point, as written out here."""
    session = open_session(Config(data="circle", hidden=(3,), activation="tanh", seed=2,
                                  inputs=inputs))
    session.run(5)
    v = view(session)
    pics = unit_pictures(v, 6, 4)
    sf = v.surface
    gx = np.linspace(*sf.x_range, 6)
    gy = np.linspace(sf.y_range[1], sf.y_range[0], 4)
    F = session.dataset.x_norm.apply(np.array([[x, y] for y in gy for x in gx]))
    columns = {"x1": F[:, 0], "x2": F[:, 1], "x1^2": F[:, 0] ** 2, "x2^2": F[:, 1] ** 2,
               "x1*x2": F[:, 0] * F[:, 1], "sin(x1)": np.sin(F[:, 0]),
               "sin(x2)": np.sin(F[:, 1])}
    want = _by_hand(session, np.column_stack([columns[name] for name in inputs]))
    for k, A in enumerate(want):
        assert np.allclose(pics.values[k].reshape(-1, A.shape[1]), A, rtol=1e-12, atol=1e-12)
    assert pics.inputs.shape == (4, 6, 2)  # the plane's two features
    big = unit_surface(v, 1, 0)  # the output unit: the output pane's picture of ŷ
    assert np.allclose(big.values, sf.values, rtol=1e-12)


def test_a_units_large_picture_is_the_output_pane_grid():
    session = open_session(Config(data="circle", hidden=(4,), seed=3))
    session.run(30)
    v = view(session)
    out = unit_surface(v, 1, 0)  # the output unit: ŷ itself, the output pane's picture
    assert out is not None and out.values.shape == v.surface.values.shape
    assert np.allclose(out.values, v.surface.values, rtol=1e-12)
    hidden = unit_surface(v, 0, 3)
    assert hidden.value_range == (-1.0, 1.0)  # tanh
    assert np.array_equal(hidden.points, v.surface.points)  # the same rows on top


def test_no_pictures_without_two_input_features():
    assert unit_pictures(view(open_session(Config(data="sine", seed=1))), 8, 8) is None


def test_a_big_network_gets_coarser_pictures():
    session = open_session(Config(data="circle", hidden=(1024, 1024), seed=1))
    pics = unit_pictures(view(session), 16, 16)
    assert pics.values[0].shape[:2] < (16, 16) and pics.values[0].shape[2] == 1024


def test_the_view_network_holds_the_views_parameters():
    session = open_session(Config(data="xor", hidden=(3,), seed=1))
    session.step()
    v = view(session)
    net = view_network(v)
    assert np.array_equal(net.flat, session.net.flat)
    net.flat[0] += 1
    assert not np.array_equal(net.flat, session.net.flat)  # a copy


@pytest.mark.parametrize("kw", [dict(preset="notebook"),
                                dict(data="spiral3", hidden=(4,), seed=2, l2=0.1)])
def test_graph_and_health_from_a_view_equal_those_from_the_session(kw):
    session = open_session(Config(**kw))
    session.run(3)
    v = view(session)
    a, b = session_graph(session, 1), view_graph(v, 1)
    assert a.ids == b.ids
    assert all(x.grad == y.grad and x.value == y.value for x, y in zip(a.nodes, b.nodes,
                                                                     strict=True))
    h, g = session_health(session), view_health(v)
    assert h.flags == g.flags and h.layers == g.layers and h.chance_loss == g.chance_loss
