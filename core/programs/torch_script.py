"""A session as a float64 PyTorch script: autograd for the gradients, torch.optim for the
update, and our conventions kept so that the numbers are the session's.

- The data is prepared with NumPy exactly as the NumPy script prepares it, then handed over.
- The gradients are of our objective J (mse: (1/2N)·Σ(ŷ−y)², bce: (1/N)·Σ bce, plus
  (λ/2)·ΣW² on the weights only), while the log prints the reported loss (the mean).
- gd and sgd are torch.optim.SGD; momentum is SGD(momentum=0.9, dampening=0), whose
  v = 0.9·v + g; θ −= lr·v is ours; adam is Adam(betas=(0.9, 0.999), eps=1e-8), which
  divides by √v̂ + ε as we do.
- Mini-batches come from NumPy's generator with the session's calls, so they are its batches.
"""

from __future__ import annotations

from ..maths.optim import BETA1, BETA2, EPS, MOMENTUM
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

TORCH_ACT = {"linear": "{}", "sigmoid": "torch.sigmoid({})", "tanh": "torch.tanh({})",
             "relu": "torch.relu({})", "softmax": "torch.softmax({}, dim=1)"}


def script(p: Plan) -> str:
    parts = [_imports(p), *data_sections(p), _tensors(p), _model(p)]
    if report_names(p) or metric_names(p):
        parts.append(reporting(p))
    parts += [_optimiser(p), _training(p), _predictions(p)]
    body = "\n\n\n".join(s.code.rstrip("\n") for s in parts)
    return tidy(f'"""{header(p, runner="torch")}"""\n\n{body}\n')


def _imports(p: Plan) -> Section:
    code = "# Importing Libraries\n\nimport numpy as np\n"
    if p.data.source == "file":
        code += "import pandas as pd\n"
    code += "import torch\n\ntorch.set_default_dtype(torch.float64)  # the session's float64\n"
    return Section("Importing Libraries", "", code)


def _tensors(p: Plan) -> Section:
    lines = ["# The prepared data as tensors", "",
             "X, y = torch.from_numpy(X), torch.from_numpy(y)"]
    if p.data.has_test:
        lines.append("X_test, y_test = torch.from_numpy(X_test), torch.from_numpy(y_test)")
    return Section("Tensors", "", "\n".join(lines) + "\n")


def _model(p: Plan) -> Section:
    L = p.depth
    lines = ["# Creating the neural network", "",
             *ct.comment(f"Starting weights and biases: {cw.start_words(p)}")]
    for k, (W, b) in enumerate(p.layer_params(p.start.params), start=1):
        for name, arr in ((f"W{k}", W), (f"b{k}", b)):
            lit = ct.matrix(arr, prefix=f"{name} = ", call="torch.tensor",
                            extra=", requires_grad=True")
            lines.append(f"{name} = {lit}")
    params = ", ".join(f"{kind}{k}" for k in range(1, L + 1) for kind in ("W", "b"))
    lines += [f"params = [{params}]",
              f"weights = [{', '.join(f'W{k}' for k in range(1, L + 1))}]  # what L2 and L1 "
              "penalise",
              "", "", "def forward(X):",
              '    """The output layer\'s z and ŷ for the rows of X."""']
    prev = "X"
    for k in range(1, L + 1):
        act = cw.activation(p, k)
        z = f"Z{k}"
        lines.append(f"    {z} = {prev} @ W{k} + b{k}")
        a = cw.out_name(L, k)
        lines.append(f"    {a} = {TORCH_ACT[act].format(z)}")
        prev = a
    lines.append(f"    return Z{L}, y_hat")
    lines += ["", "", *_loss_functions(p)]
    return Section("Network", "", "\n".join(lines) + "\n")


def _loss_functions(p: Plan) -> list[str]:
    if p.loss == "mse":
        report = "((y_hat - y) ** 2).mean()"
        objective = "((y_hat - y) ** 2).sum() / (2 * y.shape[0])"
    elif p.loss == "bce":
        bce = "torch.nn.functional.binary_cross_entropy_with_logits"
        report = f"{bce}(z, y)"
        objective = f'{bce}(z, y, reduction="sum") / y.shape[0]'
    else:  # y holds each row's class probabilities (one-hot), as cross_entropy accepts
        report = 'torch.nn.functional.cross_entropy(z, y, reduction="sum") / y.shape[0]'
        objective = report
    out = ["def reported_loss(z, y_hat, y):",
           f'    """What the log prints: {cw.LOSSES[p.loss].formula}."""',
           f"    return {report}", "", "",
           "def objective(z, y_hat, y):",
           f'    """What the gradients are of: {cw.LOSSES[p.loss].objective_formula}'
           + (" + (λ/2)·ΣW²" if p.l2 else "") + (" + λ·Σ|W|" if p.l1 else "") + '."""',
           f"    J = {objective}"]
    if p.l2:
        out.append(f"    J = J + {p.l2!r} / 2 * sum((W * W).sum() for W in weights)")
    if p.l1:  # autograd's slope of abs is sign(W), 0 at 0, as the session's
        out.append(f"    J = J + {p.l1!r} * sum(W.abs().sum() for W in weights)")
    return [*out, "    return J"]


def _optimiser(p: Plan) -> Section:
    lines = [*settings_lines(p, []), ""]
    if p.optimizer in ("gd", "sgd"):
        lines.append("optimizer = torch.optim.SGD(params, lr=lr)  # θ −= lr·dθ")
    elif p.optimizer == "momentum":
        lines.append(f"# v = {MOMENTUM}·v + dθ; θ −= lr·v")
        lines.append(f"optimizer = torch.optim.SGD(params, lr=lr, momentum={MOMENTUM}, "
                     "dampening=0)")
    else:
        lines.append("# θ −= lr·m̂/(√v̂ + ε): torch divides by √v/√(1−β2ᵗ) + ε, the same")
        lines.append(f"optimizer = torch.optim.Adam(params, lr=lr, betas=({BETA1}, {BETA2}), "
                     f"eps={EPS!r})")
    lines += _resumed_state(p) + _scheduler(p)
    return Section("Training settings", "", "\n".join(lines) + "\n")


SCHEDULERS = {"step": "StepLR(optimizer, step_size={every}, gamma={gamma!r})",
              "exp": "ExponentialLR(optimizer, gamma={gamma!r})",
              "cosine": "CosineAnnealingLR(optimizer, T_max={every})"}


def _scheduler(p: Plan) -> list[str]:
    """torch's scheduler for the session's lr schedule, stepped once per epoch; a session
    that was changed by hand continues its schedule where it was."""
    s = p.schedule
    if s is None:
        return []
    made = SCHEDULERS[s.kind].format(every=s.every, gamma=s.gamma)
    out = ["", f"# {s.words}, stepped once per epoch",
           f"scheduler = torch.optim.lr_scheduler.{made}"]
    if not p.start.fresh:
        out += ["# where the session's schedule is: its base, and the epochs it has stepped",
                "scheduler.base_lrs = [base_lr]", "scheduler.last_epoch = start_epoch"]
    return out


def _resumed_state(p: Plan) -> list[str]:
    """The optimiser's state as the session left it, in torch's names."""
    s = p.start
    if s.fresh or p.optimizer in ("gd", "sgd"):
        return []
    t = float(s.opt_state["t"][0]) if p.optimizer == "adam" else 0.0
    if p.optimizer == "adam" and t == 0:
        return []
    out = ["", "# the optimiser's state as the session left it"]
    keys = {"momentum": {"momentum_buffer": "v"}, "adam": {"exp_avg": "m", "exp_avg_sq": "v"}}
    per = {name: p.layer_params(s.opt_state[ours]) for name, ours in
           keys[p.optimizer].items()}
    for k in range(1, p.depth + 1):
        for j, kind in enumerate(("W", "b")):
            name = f"{kind}{k}"
            out.append(f"optimizer.state[{name}] = {{")
            if p.optimizer == "adam":
                out.append(f'    "step": torch.tensor({t!r}),')
            for torch_name, layers in per.items():
                lit = ct.matrix(layers[k - 1][j], TAB, prefix=f'    "{torch_name}": ',
                                call="torch.tensor")
                out.append(f'    "{torch_name}": {lit},')
            out.append("}")
    return out


def _training(p: Plan) -> Section:
    if p.full_batch:
        lines = ["# Training", "", f"for epoch in {epochs_range(p)}:", "    # 1. Forward pass",
                 "    z, y_hat = forward(X)", "", "    # 2. Loss",
                 "    loss = reported_loss(z, y_hat, y).item()"]
        lines += _log(p, TAB)
        lines += ["", "    # 3.-4. Backpropagation: autograd fills each parameter's .grad",
                  "    optimizer.zero_grad()", "    objective(z, y_hat, y).backward()", "",
                  "    # 5. Update weights and biases", "    optimizer.step()"]
        lines += _schedule_step(p)
        return Section("Training", "", "\n".join(lines) + "\n")
    head, ind = mini_batch_head(p)
    mid = resumes_mid_epoch(p)
    lines = ["# Training", "", *head]
    lines += [f"{ind}with torch.no_grad():  # the loss on all training rows, for the log",
              f"{ind}    z, y_hat = forward(X)",
              f"{ind}loss = reported_loss(z, y_hat, y).item()"]
    lines += _log(p, ind)
    lines.append(f"{ind}perm = rng.permutation(X.shape[0])")
    first = "first_batch * batch_size" if mid else "0"
    lines += [f"    for start in range({first}, X.shape[0], batch_size):",
              "        rows = torch.from_numpy(perm[start:start + batch_size])",
              "        z, y_hat = forward(X[rows])  # 1. forward pass",
              "        optimizer.zero_grad()",
              "        objective(z, y_hat, y[rows]).backward()  # 3.-4. backpropagation",
              "        optimizer.step()  # 5. update"]
    lines += _schedule_step(p)
    return Section("Training", "", "\n".join(lines) + "\n")


def _schedule_step(p: Plan) -> list[str]:
    return [] if p.schedule is None else ["    scheduler.step()  # the lr schedule, once per epoch"]


def _numpy(name: str) -> str:
    return f"{name}.detach().numpy()"


def _log(p: Plan, ind: str) -> list[str]:
    return log_lines(p, ind, as_array=_numpy, test_forward=(
        "with torch.no_grad():", "    z_test, y_hat_test = forward(X_test)"),
        test_loss="reported_loss(z_test, y_hat_test, y_test).item()")


def _predictions(p: Plan) -> Section:
    lines = ["# Final Predictions", ""]
    if p.ending is Ending.REGRESSION:
        lines += first_rows_report(
            p, "forward(torch.from_numpy({}))[1].detach().numpy()")
        return Section("Final Predictions", "", "\n".join(lines) + "\n")
    lines += ["with torch.no_grad():", "    y_hat = forward(X)[1].numpy()"]
    if p.data.has_test:
        lines += ["    y_hat_test = forward(X_test)[1].numpy()",
                  "predictions = np.empty((len(features), y.shape[1]))  # every row, file order",
                  "predictions[train_rows] = y_hat",
                  "predictions[test_rows] = y_hat_test"]
    else:
        lines.append("predictions = y_hat")
    if p.ending is Ending.NOTEBOOK:
        lines.append('print("\\nFinal Predictions:\\n", predictions)')
    else:
        lines += final_report_lines(p, as_array=lambda name: f"{name}.numpy()")
    return Section("Final Predictions", "", "\n".join(lines) + "\n")
