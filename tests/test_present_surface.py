"""The output pane's samples are the network's own predictions, placed on the right grid."""

import numpy as np

from core import Config, open_session
from core.present.surface import surface


def test_plane_samples_are_predictions():
    s = open_session(Config(data="gauss", seed=2))
    s.run(50)
    sf = surface(s, 20, 10)
    assert sf.kind == "plane" and sf.values.shape == (10, 20)
    # the top-left pixel is (x min, y max) of the padded span
    corner = np.array([[sf.x_range[0], sf.y_range[1]]])
    want = s.dataset.to_original(s.predict(s.dataset.x_norm.apply(corner)))[0, 0]
    # one row predicted alone against the same row in a 200-row batch: BLAS kernels differ
    # by CPU and matrix shape, so the two can differ in the last bits, never more
    scale = np.abs(sf.values).max()
    np.testing.assert_allclose(sf.values[0, 0], want, rtol=1e-12, atol=1e-12 * scale)
    assert sf.points.shape == (200, 2) and sf.points[:, 0].max() < 20
    assert sf.points[:, 1].max() < 10


def test_curve_for_one_feature_and_none_for_many():
    s = open_session(Config(data="sine", seed=2))
    sf = surface(s, 40, 12)
    assert sf.kind == "curve" and sf.values.shape == (40,)
    assert surface(s, 1, 12) is None


def test_test_rows_are_marked():
    s = open_session(Config(data="circle", seed=2, test_fraction=0.2))
    sf = surface(s, 20, 10)
    assert sf.test.sum() == 40


def test_every_view_carries_the_surface_at_a_fixed_size():
    from core import view
    from core.present.views import SURFACE_SIZE

    s = open_session(Config(data="circle", seed=2))
    s.run(5)
    v = view(s)
    want = surface(s, *SURFACE_SIZE)
    assert np.array_equal(v.surface.values, want.values)
    big = open_session(Config(data="circle", seed=2, hidden=(256, 256)))
    assert view(big).surface.values.size < want.values.size  # coarser, never slower
    assert view(open_session(Config(data="notebook", seed=1))).surface.kind == "plane"


def test_huge_weights_give_inf_not_a_warning(recwarn) -> None:
    """Finite weights that take ŷ past the largest float off the data (on the way to
    diverging) must not raise NumPy warnings while the output pane samples the plane."""
    import warnings

    s = open_session(Config(preset="notebook", seed=7))
    s.net.flat[:] = 0.0
    s.net.W[0][:] = 5e153
    s.net.W[1][:] = 5e153  # ŷ up to ~1e308, finite; in the targets' units (×85) it is not
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sf = surface(s, 8, 4)
    assert sf is not None and not np.isfinite(sf.values).all()
