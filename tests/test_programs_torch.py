"""The torch script (core/programs/torch_script.py): autograd and torch.optim give our
numbers, to 1e-9 in the parameters. torch is the oracle outside NumPy: these tests skip where
no Python has it and fail under CI (CI=true), never pass without running."""

from __future__ import annotations

import json
import re
import shlex

import numpy as np
import pytest

from core import code_text
from core.files.sessionfile import load_session
from tests.programs_helpers import (
    CIRCLE,
    SINE,
    SPIRAL3,
    XOR,
    assert_same_params,
    continued,
    edited_session,
    json_params,
    require_torch,
    run_main,
    run_script,
    saved,
    train,
)

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


@pytest.mark.parametrize("opts", ["--preset notebook", XOR, CIRCLE, SINE, SPIRAL3])
def test_torch_script_matches_our_numbers(opts, tmp_path):
    python = require_torch()
    path = tmp_path / "t.py"
    assert run_main("code", *shlex.split(opts), "--format", "torch", "-o", str(path))[0] == 0
    text = path.read_text()
    assert "import torch" in text and "torch.optim." in text and ".backward()" in text
    probe = path.with_name("probe.py")
    probe.write_text(text + "\nimport json as _json\nprint('PARAMS' + _json.dumps("
                     "[p.detach().numpy().tolist() for p in params]))\n")
    out, _, params = run_script(probe, python).rpartition("PARAMS")
    want = train(opts)
    got_numbers, want_numbers = NUMBER.findall(out), NUMBER.findall(want)
    assert len(got_numbers) == len(want_numbers)
    worst = max(abs(float(a) - float(b)) for a, b in zip(got_numbers, want_numbers, strict=True))
    assert worst <= 1e-6
    ref = json_params(opts)
    names = [f"{kind}{k}" for k in range(1, len(ref) // 2 + 1) for kind in "Wb"]
    got = dict(zip(names, (np.array(p) for p in json.loads(params)), strict=True))
    assert_same_params(got, ref, 1e-9)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_an_edited_session_as_torch_continues_it(optimizer, tmp_path):
    """The optimiser's state (torch's momentum buffers, Adam's moments and step), the
    shuffle and the generator carry over from a session changed by hand mid-epoch."""
    python = require_torch()
    s = edited_session(optimizer)
    _, want_params = continued(load_session(saved(s, tmp_path)))
    path = tmp_path / "t.py"
    path.write_text(code_text(s, "torch") + "\nimport json as _json\nprint('PARAMS' + "
                    "_json.dumps([p.detach().numpy().tolist() for p in params]))\n")
    params = run_script(path, python).rpartition("PARAMS")[2]
    got = dict(zip(want_params, (np.array(p) for p in json.loads(params)), strict=True))
    assert_same_params(got, want_params, 1e-9)
