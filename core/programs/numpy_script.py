"""A session as a NumPy program in the seed notebook's style, section by section.

Each section is what one notebook code cell holds, with the markdown that explains it; the
script is the same code cells one after the other. The arithmetic is written as the core
writes it (np.dot for every product, the row sums as a product with a row of ones, the
optimisers' operations in the same order), so the program's floats are the core's to the
last bit, and it prints what `backprop train` prints, byte for byte.
"""

from __future__ import annotations

import itertools

from ..maths.optim import BETA1, BETA2, EPS, MOMENTUM
from ..present.report import PRINTED_ROWS
from ..present.train_text import Ending
from . import literals as ct
from . import words as cw
from .datasteps import data_sections
from .parts import (
    TAB,
    Section,
    epochs_range,
    final_report_lines,
    first_rows_report,
    header,
    log_lines,
    metric_names,
    mini_batch_head,
    report_names,
    reporting,
    resumes_mid_epoch,
    settings_lines,
    tidy,
)
from .plan import Plan


def sections(p: Plan) -> list[Section]:
    """The program, cell by cell, in the order the notebook has them."""
    out = [_imports(p), *data_sections(p), _network(p), _functions(p)]
    if report_names(p) or metric_names(p):
        out.append(reporting(p))
    out += [_settings(p), _training(p), _predictions(p)]
    return [Section(s.title, s.text, tidy(s.code)) for s in out]


def script(p: Plan) -> str:
    """One `.py` file: a docstring that describes the session, then every section's code."""
    body = "\n\n\n".join(s.code.rstrip("\n") for s in sections(p))
    return tidy(f'"""{header(p)}"""\n\n{body}\n')


# ---------------------------------------------------------------- data

def _imports(p: Plan) -> Section:
    code = "# Importing Libraries\n\n"
    if p.schedule is not None and p.schedule.kind == "cosine":
        code += "import math\n\n"
    code += "import numpy as np\n"
    if p.data.source == "file":
        code += "import pandas as pd\n"
    return Section("Importing Libraries", "NumPy does all the arithmetic" +
                   (", pandas reads the CSV file." if p.data.source == "file" else "."), code)


# ---------------------------------------------------------------- the network

def _network(p: Plan) -> Section:
    L, sizes = p.depth, p.sizes
    lines = ["# Creating the neural network", "", '"""']
    lines.append(f" Input Layer - {sizes[0]} neuron{'s' * (sizes[0] > 1)}")
    for k in range(1, L):
        lines.append(f" Hidden Layer{f' {k}' if L > 2 else ''} - {sizes[k]} "
                     f"neuron{'s' * (sizes[k] > 1)} ({p.hidden})")
    lines.append(f" Output Layer - {sizes[-1]} neuron{'s' * (sizes[-1] > 1)} ({p.output})")
    lines.append("")
    w = " + ".join(f"{i}x{o}" for i, o in itertools.pairwise(sizes))
    b = " + ".join(str(o) for o in sizes[1:])
    lines.append(f" Total Trainable Parameters = {w} (weights) + {b} (biases) = "
                 f"{p.n_params}")
    lines += ['"""', ""]
    lines += ct.comment(f"Starting weights and biases: {cw.start_words(p)}")
    lines += param_lines(p, p.start.params)
    text = (f"The network: {cw.network_words(p)}. Each layer k computes "
            "Zk = A·Wk + bk from the layer before (X for the first) and applies its activation. "
            f"Starting weights and biases: {cw.start_words(p)}; written out exactly, so the "
            "program starts where the session did.")
    return Section("Creating the neural network", text, "\n".join(lines) + "\n")


def param_lines(p: Plan, flat, wrap: str = "{}") -> list[str]:
    """`W1 = np.array(…)`, `b1 = …` per layer; `wrap` puts each literal into a call."""
    out = []
    for k, (W, b) in enumerate(p.layer_params(flat), start=1):
        for name, arr in ((f"W{k}", W), (f"b{k}", b)):
            prefix = f"{name} = " + wrap.split("{}")[0]
            out.append(f"{name} = " + wrap.format(ct.matrix(arr, prefix=prefix)))
    return out


# ---------------------------------------------------------------- the math

ACTIVATION_CODE = {
    "sigmoid": ('def sigmoid(z):\n    """1 / (1 + e^−z), split by sign so that neither branch '
                'overflows."""\n    e = np.exp(-np.abs(z))\n'
                "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
                'def sigmoid_prime(a):\n    """The sigmoid\'s slope, from its output a: '
                'a·(1 − a)."""\n    return a * (1.0 - a)\n'),
    "tanh": ('def tanh(z):\n    return np.tanh(z)\n',
             'def tanh_prime(a):\n    """tanh\'s slope, from its output a: 1 − a²."""\n'
             "    return 1.0 - a * a\n"),
    "softmax": ('def softmax(z):\n    """Each row\'s outputs as class probabilities, e^z / Σ e^z; '
                "shifted by the row's\n    largest z first, so that exp cannot overflow (the "
                'result is the same)."""\n'
                "    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
                "    e /= e.sum(axis=1, keepdims=True)\n    return e\n", ""),
    "relu": ('def relu(z):\n    return np.maximum(z, 0.0)\n',
             'def relu_prime(z):\n    """1 where z > 0, else 0."""\n'
             "    return (z > 0).astype(z.dtype)\n"),
}

LOSS_CODE = {
    "ce": ('def ce(z, y):\n    """Cross-entropy, −(1/N)·Σ y·log ŷ, with log ŷ = z − log Σ e^z '
           '(written with the\n    logits z so that a confident wrong answer costs a large '
           'number, not inf)."""\n'
           "    m = z.max(axis=1, keepdims=True)\n"
           "    log_sum = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))\n"
           "    return float((y * (log_sum - z)).sum()) / y.shape[0]\n"),
    "mse": ('def mse(y_hat, y):\n    """Mean squared error, mean((ŷ − y)²): the loss the log '
            'prints."""\n    e = (y_hat - y).ravel()\n    return float(np.dot(e, e)) / e.size\n'),
    "bce": ('def bce(z, y):\n    """Binary cross-entropy, averaged over rows, written with the '
            'output\'s z\n    (ŷ = sigmoid(z)) so that a confident wrong answer costs a large '
            'number, not inf."""\n'
            "    per_row = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))\n"
            "    return float(per_row.sum()) / per_row.size\n"),
}

OPTIMISER_CODE = {
    "momentum": (f'def momentum(param, grad, v, lr):\n    """v = {MOMENTUM}·v + grad; param −= '
                 'lr·v: the step keeps 90% of the last one."""\n'
                 f"    v *= {MOMENTUM}\n    v += grad\n    param -= lr * v\n"),
    "adam": ('def adam(param, grad, m, v, t, lr):\n    """m and v: running means of the '
             "gradient and of its square; m̂ and v̂ undo\n    their start at 0 (t counts the "
             'updates)."""\n'
             f"    m *= {BETA1}\n    m += (1 - {BETA1}) * grad\n"
             f"    v *= {BETA2}\n    v += (1 - {BETA2}) * (grad * grad)\n"
             f"    m_hat = m / (1 - {BETA1} ** t)\n    v_hat = v / (1 - {BETA2} ** t)\n"
             f"    param -= lr * (m_hat / (np.sqrt(v_hat) + {EPS!r}))\n"),
}


def needs_forward(p: Plan) -> bool:
    """A `forward` function, beside the loop's own forward pass: for the log's loss on all
    rows (mini-batches), the test rows, and the report (all but the notebook's own print)."""
    return not p.full_batch or p.data.has_test or p.ending is not Ending.NOTEBOOK


def _functions(p: Plan) -> Section:
    parts = []
    for name in dict.fromkeys((p.hidden, p.output)):
        if name == "linear":
            continue
        f, deriv = ACTIVATION_CODE[name]
        parts.append(f)
        if deriv and (name == p.hidden or p.loss == "mse"):
            parts.append(deriv)
    parts.append(LOSS_CODE[p.loss])
    if p.optimizer in OPTIMISER_CODE:
        parts.append(OPTIMISER_CODE[p.optimizer])
    if p.schedule is not None:
        parts.append(schedule_function(p))
    if needs_forward(p):
        parts.append(forward_function(p))
    code = "# Activations, loss and optimiser\n\n\n" + "\n\n".join(parts)
    acts = ", ".join(f"{n}: {cw.formula(n)}" for n in dict.fromkeys((p.hidden, p.output)))
    text = (f"The pieces of the math as small functions. Activations: {acts}. "
            f"Loss: {cw.loss_words(p)}. Optimiser: {cw.optimiser_words(p)}.")
    return Section("Activations, loss and optimiser", text, code)


def forward_lines(p: Plan, x: str, rows: str | None = None) -> list[str]:
    """The forward pass, layer by layer, from inputs named `x`; `rows` labels the shapes."""
    out, prev = [], x
    for k in range(1, p.depth + 1):
        act, a = cw.activation(p, k), cw.out_name(p.depth, k)
        shape = f"  # ({rows}, {p.sizes[k]})" if rows else ""
        if act == "linear":
            out.append(f"{a} = np.dot({prev}, W{k}) + b{k}{shape}")
        else:
            out.append(f"Z{k} = np.dot({prev}, W{k}) + b{k}{shape}")
            out.append(f"{a} = {act}(Z{k})")
        prev = a
    return out


def z_out(p: Plan) -> str:
    """The output layer's pre-activation: Z{L}, or y_hat itself for a linear output."""
    return "y_hat" if p.output == "linear" else f"Z{p.depth}"


def loss_call(p: Plan, z: str, y_hat: str, y: str) -> str:
    return f"mse({y_hat}, {y})" if p.loss == "mse" else f"{p.loss}({z}, {y})"


def forward_function(p: Plan) -> str:
    body = "\n".join(TAB + line for line in forward_lines(p, "X"))
    return ('def forward(X):\n    """The forward pass alone: the output layer\'s z and ŷ '
            f'for the rows of X."""\n{body}\n    return {z_out(p)}, y_hat\n')


# ---------------------------------------------------------------- training

def schedule_function(p: Plan) -> str:
    """The lr schedule as torch's scheduler computes it, one epoch from the last (the same
    operations as core.maths.schedules, so the same lr to the last bit)."""
    s = p.schedule
    assert s is not None
    head = (f'def next_lr(lr, epoch):\n    """{s.torch_class}: {s.words}. The lr for `epoch` '
            'from the epoch before\'s."""\n')
    if s.kind == "step":
        return head + f"    return lr if epoch % {s.every} != 0 else lr * {s.gamma!r}\n"
    if s.kind == "exp":
        return head + f"    return lr * {s.gamma!r}\n"
    T = s.every
    return head + (f"    if (epoch - 1 - {T}) % {2 * T} == 0:\n"
                   f"        return lr + (base_lr - 0.0) * (1 - math.cos(math.pi / {T})) / 2\n"
                   f"    return ((1 + math.cos(math.pi * epoch / {T}))\n"
                   f"            / (1 + math.cos(math.pi * (epoch - 1) / {T})) * (lr - 0.0) "
                   "+ 0.0)\n")


def _settings(p: Plan) -> Section:
    l2 = [f"l2 = {p.l2!r}  # the L2 penalty (λ/2)·ΣW² adds λ·W to each dW"] if p.l2 else []
    if p.l1:
        l2.append(f"l1 = {p.l1!r}  # the L1 penalty λ·Σ|W| adds λ·sign(W) to each dW")
    lines = settings_lines(p, l2) + _optimiser_state(p)
    text = ("How long and how fast: " + cw.optimiser_words(p) +
            (f", L2 λ = {p.l2:g}" if p.l2 else "") + (f", L1 λ = {p.l1:g}" if p.l1 else "") +
            "." +
            ("" if p.full_batch else " The mini-batches come from one seeded random generator, "
             "with the same calls in the same order as the session, so they are the same "
             "batches."))
    return Section("Training settings", text, "\n".join(lines) + "\n")


def _optimiser_state(p: Plan) -> list[str]:
    opt, s = p.optimizer, p.start
    if opt in ("gd", "sgd"):
        return []
    names = [f"{kind}{k}" for k in range(1, p.depth + 1) for kind in ("W", "b")]
    keys = ("v",) if opt == "momentum" else ("m", "v")
    what = {"v": "velocity" if opt == "momentum" else "running mean of grad²",
            "m": "running mean of grad"}
    out = [""]
    for key in keys:
        if s.fresh:
            items = [f'"{n}": np.zeros_like({n})' for n in names]
            one = f"{key} = {{{', '.join(items)}}}  # {what[key]}, from 0"
            if len(one) <= ct.WIDTH:
                out.append(one)
            else:
                out += [f"{key} = {{  # {what[key]}, from 0", *ct.wrap_items(items, TAB), "}"]
            continue
        flat = s.opt_state[key]
        out.append(f"{key} = {{  # {what[key]}, as the session left it")
        for k, (W, b) in enumerate(p.layer_params(flat), start=1):
            for name, arr in ((f"W{k}", W), (f"b{k}", b)):
                out.append(f'    "{name}": {ct.matrix(arr, TAB, prefix=f"    {name!r}: ")},')
        out.append("}")
    if opt == "adam":
        t = float(s.opt_state["t"][0]) if not s.fresh else 0.0
        out.append(f"t = {ct.num(t)}  # updates so far")
    return out


def _training(p: Plan) -> Section:
    lines = ["# Training", ""]
    if p.full_batch:
        lines += _full_batch_loop(p)
    else:
        lines += _mini_batch_loop(p)
    text = ("The loop, as the notebook's: for every epoch the forward pass, the loss (printed "
            f"every {p.log_every} epochs), the deltas and gradients from the output layer back "
            "to the first, and the update. " + cw.gradient_note(p) +
            " ones·delta sums delta over the rows (the notebook's np.sum(delta, axis=0)), "
            "written as a product so that every sum comes out as the session's, bit for bit.")
    return Section("Training", text, "\n".join(lines) + "\n")


def _full_batch_loop(p: Plan) -> list[str]:
    rows = str(p.n_train)
    out = ["ones = np.ones((1, X.shape[0]))  # ones·delta: delta summed over the rows", "",
           f"for epoch in {epochs_range(p)}:", "    # 1. Forward pass"]
    out += [TAB + line for line in forward_lines(p, "X", rows)]
    out += ["", f"    # 2. Loss ({p.loss.upper()})",
            f"    loss = {loss_call(p, z_out(p), 'y_hat', 'y')}"]
    out += _log(p, TAB)
    out += [TAB + line for line in backprop_lines(p, "X", "y", "X.shape[0]")]
    return out + schedule_step(p)


def schedule_step(p: Plan) -> list[str]:
    """The end of an epoch: the schedule moves the lr on, once."""
    if p.schedule is None:
        return []
    return ["", "    lr = next_lr(lr, epoch + 1)  # the schedule, once per epoch"]


def _log(p: Plan, indent: str) -> list[str]:
    return log_lines(p, indent, test_forward=("z_test, y_hat_test = forward(X_test)",),
                     test_loss=loss_call(p, "z_test", "y_hat_test", "y_test"))


def _mini_batch_loop(p: Plan) -> list[str]:
    out, ind = mini_batch_head(p)
    mid = resumes_mid_epoch(p)
    out += [f"{ind}# 2. Loss on all the training rows before this epoch's updates (the log's)",
            f"{ind}z, y_hat = forward(X)", f"{ind}loss = {loss_call(p, 'z', 'y_hat', 'y')}"]
    out += _log(p, ind)
    out += ["", f"{ind}# a new shuffle of the training rows: mini-batches of {p.batch_size}",
            f"{ind}perm = rng.permutation(X.shape[0])"]
    first = "first_batch * batch_size" if mid else "0"
    out += [f"    for start in range({first}, X.shape[0], batch_size):",
            "        rows = perm[start:start + batch_size]",
            "        Xb, yb = X[rows], y[rows]",
            "        ones = np.ones((1, Xb.shape[0]))  # ones·delta: delta summed over the rows",
            "", "        # 1. Forward pass"]
    out += [TAB * 2 + line for line in forward_lines(p, "Xb", "rows")]
    out += [TAB * 2 + line for line in backprop_lines(p, "Xb", "yb", "Xb.shape[0]")]
    return out + schedule_step(p)


def backprop_lines(p: Plan, x: str, y: str, n: str) -> list[str]:
    """Steps 3–5: the deltas and gradients from the output back, then the update."""
    L = p.depth
    names = [x] + [cw.out_name(L, k) for k in range(1, L + 1)]
    out = ["", "# 3. Output layer gradients", f"delta{L} = {_output_delta(p, y)}"]
    for k in range(L, 0, -1):
        if k < L:
            out += ["", f"# {L - k + 3}. Hidden layer{f' {k}' if L > 2 else ''} gradients",
                    f"delta{k} = np.dot(delta{k + 1}, W{k + 1}.T){_prime(p.hidden, k, L)}"]
        out.append(f"dW{k} = np.dot({names[k - 1]}.T, delta{k}) / {n}")
        out.append(f"db{k} = np.dot(ones, delta{k}) / {n}")
        if p.l2:
            out.append(f"dW{k} += l2 * W{k}")
        if p.l1:
            out.append(f"dW{k} += l1 * np.sign(W{k})  # 0 where W is exactly 0")
    out += ["", f"# {L + 3}. Update weights and biases ({p.optimizer})"]
    out += _update_lines(p)
    return out


def _prime(act: str, k: int, L: int) -> str:
    if act == "linear":
        return ""
    arg = f"Z{k}" if act == "relu" else cw.out_name(L, k)
    return f" * {act}_prime({arg})"


def _output_delta(p: Plan, y: str) -> str:
    if p.loss == "bce":
        return f"y_hat - {y}  # bce with a sigmoid output: the sigmoid's slope cancels"
    if p.loss == "ce":
        return f"y_hat - {y}  # ce with a softmax output: the softmax's Jacobian cancels"
    if p.output == "linear":
        return f"y_hat - {y}"
    return f"(y_hat - {y}){_prime(p.output, p.depth, p.depth)}"


def _update_lines(p: Plan) -> list[str]:
    out = []
    if p.optimizer == "adam":
        out.append("t += 1")
    for k in range(p.depth, 0, -1):
        for name in (f"W{k}", f"b{k}"):
            if p.optimizer in ("gd", "sgd"):
                out.append(f"{name} -= lr * d{name}")
            elif p.optimizer == "momentum":
                out.append(f'momentum({name}, d{name}, v["{name}"], lr)')
            else:
                out.append(f'adam({name}, d{name}, m["{name}"], v["{name}"], t, lr)')
    return out


def _predictions(p: Plan) -> Section:
    lines = ["# Final Predictions", ""]
    if p.ending is Ending.NOTEBOOK:
        lines += [*all_predictions(p), 'print("\\nFinal Predictions:\\n", predictions)']
        text = "The trained network's predictions for every row, in the normalised units it " \
            "trains in, printed as the notebook prints them."
    elif p.ending is Ending.REGRESSION:
        lines += first_rows_report(p, "forward({})[1]")
        text = (f"The first {PRINTED_ROWS} rows of the file through the trained network, "
                "their predictions back in the target's own units beside the targets.")
    else:
        lines += all_predictions(p) + final_report_lines(p)
        text = ("The trained network's predictions for every row beside its target" +
                (": the class it picks and the probability it gives it, then the accuracy and "
                 "the confusion matrix." if p.ending is Ending.CLASSES else "."))
    return Section("Final Predictions", text, "\n".join(lines) + "\n")


def all_predictions(p: Plan) -> list[str]:
    """`predictions`: every row's ŷ in file order, from the training and the test rows."""
    if p.data.has_test:
        return ["y_hat = forward(X)[1]", "y_hat_test = forward(X_test)[1]",
                "predictions = np.empty((len(features), y.shape[1]))  # every row, file order",
                "predictions[train_rows] = y_hat",
                "predictions[test_rows] = y_hat_test"]
    if needs_forward(p):
        return ["y_hat = forward(X)[1]", "predictions = y_hat"]
    return [*forward_lines(p, "X"), "predictions = y_hat"]


