"""The words every generated program uses about its session: the settings in one line each,
the names of each layer's values, and the notebook's steps of backprop as our help says them.

Shared by the NumPy script, the notebook and the PyTorch script, so that all three describe
a session the same way.
"""

from __future__ import annotations

from ..maths.activations import OUTPUT_ACTIVATIONS
from ..maths.losses import LOSSES
from ..maths.optim import BETA1, BETA2, EPS, MOMENTUM
from ..names import layer_names, single_layer_model
from .plan import Plan

PRESET_WEIGHTS = {"notebook": "the notebook's printed ones (--preset notebook)"}
INIT_WORDS = {
    "uniform": "uniform: every weight and bias drawn from U[0, 1), the notebook's np.random.rand",
    "xavier": "xavier: W uniform in ±√(6/(fan_in + fan_out)), b = 0",
    "he": "he: W ~ N(0, 2/fan_in), b = 0",
}


def out_name(depth: int, k: int) -> str:
    """What layer k's output is called: the notebook's H with one hidden layer, H1, H2, … with
    more, and y_hat for the output (the help's ŷ)."""
    name = layer_names(depth)[k - 1]
    return "y_hat" if name == "ŷ" else name


def activation(p: Plan, k: int) -> str:
    return p.output if k == p.depth else p.hidden


def settings(p: Plan) -> list[tuple[str, str]]:
    """(label, text) for data, network, loss, optimiser and seed."""
    return [("Data", data_words(p)), ("Network", network_words(p)), ("Loss", loss_words(p)),
            ("Optimiser", optimiser_words(p)), ("Seed", seed_words(p))]


def data_words(p: Plan) -> str:
    d = p.data
    src = d.name if d.builtin else (d.path or d.name)
    nf = len(d.feature_names)
    target = d.label_column or ", ".join(d.target_names)
    if p.classes is not None and len(p.classes) > 2:
        target += f" ({len(p.classes)} classes: {', '.join(p.classes)})"
    text = (f"{src}: {d.rows} rows, {nf} feature{'s' * (nf > 1)} "
            f"({', '.join(d.feature_names)}) → {target}")
    if d.has_test:
        text += f"; {d.test_rows.size} rows ({d.test_fraction:g}) held out as a test set"
    if d.missing is not None:
        text += f"; gaps: --missing {d.missing}"
    return text + ("; not normalised" if d.x_normalize == "none" else
                   f"; normalised: {d.x_normalize}")


def network_words(p: Plan) -> str:
    arch = "-".join(map(str, p.sizes))
    if p.inputs is not None:  # --inputs: crosses of the two features
        arch += f" (inputs {', '.join(p.inputs)})"
    if p.depth == 1:  # --hidden 0: the inputs feed the output layer directly
        return (f"{arch}: no hidden layer ({single_layer_model(p.loss, p.output)}), a "
                f"{p.output} output; {p.n_params} trainable parameters")
    hidden = f"{p.hidden} hidden layer{'s' if p.depth > 2 else ''}"
    return f"{arch}: {hidden}, a {p.output} output; {p.n_params} trainable parameters"


def loss_words(p: Plan) -> str:
    loss = LOSSES[p.loss]
    text = f"{p.loss}: reported as {loss.formula}; gradients of {loss.objective_formula}"
    if p.l2:
        text += f" + (λ/2)·ΣW², λ = {p.l2:g}"
    if p.l1:
        text += f" + λ·Σ|W|, λ = {p.l1:g}"
    return text


def optimiser_words(p: Plan) -> str:
    opt = update_words(p)
    batch = "full batch" if p.full_batch else f"mini-batches of {p.batch_size} rows, shuffled " \
        "each epoch"
    lr = f"lr {p.start.lr:g}"
    if p.schedule is not None:
        base = p.start.base_lr if p.start.base_lr is not None else p.start.lr
        lr = f"lr {base:g} scheduled {p.schedule.text} ({p.schedule.words})"
        if not p.start.fresh:
            lr += f", {p.start.lr:g} at epoch {p.start.epoch}"
    return f"{p.optimizer}: {opt}; {lr}, {batch}, {p.epochs} epochs"


def seed_words(p: Plan) -> str:
    """The seed, and what it decides here (nothing, for the notebook preset)."""
    s, d = p.start, p.data
    uses = []
    if s.init_draws:
        uses.append("the starting weights")
    if p.uses_rng:
        uses.append("the mini-batch shuffles")
    data = [w for w, on in (("the data", d.seeded),
                            ("the test split", d.has_test)) if on]
    if data and d.split_seed == s.seed:
        uses += data
    text = f"{s.seed}: draws {', '.join(uses)}" if uses else \
        "not used (nothing here is drawn at random)"
    if data and d.split_seed != s.seed:
        text += f"; {' and '.join(data)} came from seed {d.split_seed}"
    return text


def start_words(p: Plan) -> str:
    """Where the starting weights come from."""
    s, cfg = p.start, p.config
    if not s.fresh:
        return (f"the session's parameters at epoch {s.epoch}" +
                (f", after {s.batch} of the epoch's {p.batches} updates" if s.batch else ""))
    if s.init_draws:  # drawn, even where the config names weights (a session started over)
        return f"{INIT_WORDS[s.init_draws]}, drawn with seed {s.seed}"
    if s.named and cfg.preset:
        return PRESET_WEIGHTS.get(cfg.preset, f"the {cfg.preset} preset's")
    if s.named and cfg.weights:
        return f"read from {cfg.weights} (--weights)"
    # explicit, and not what the options name: run B of a comparison, which starts from
    # run A's where the layers' shapes match and draws the rest
    return (f"the session's own starting ones, written out exactly (run B of a --compare "
            f"takes run A's where a layer's shape matches and draws the rest, {cfg.init}, "
            f"with seed {s.seed})")


def steps_md(p: Plan) -> list[str]:
    """The notebook's six steps, for this network, in the help screen's words."""
    L = p.depth
    prev = [out_name(L, k) for k in range(1, L)]
    fwd = "; ".join(f"{a} = {x}·W{k} + b{k}" if activation(p, k) == "linear" else
                    f"{a} = {activation(p, k)}({x}·W{k} + b{k})"
                    for k, (x, a) in enumerate(zip(["X", *prev],
                                                   [*prev, "ŷ"], strict=True), start=1))
    loss = LOSSES[p.loss]
    out = [
        f"1. **Forward pass**: {fwd}",
        f"2. **Loss**: {loss.formula}",
        f"3. **Output layer**: delta{L} = ŷ − y" + ("" if p.loss != "mse" or
                                                    p.output == "linear" else
                                                    f" ⊙ f′(Z{L})") +
        f"; dW{L} = {prev[-1] if prev else 'X'}ᵀ·delta{L}/N, db{L} = Σdelta{L}/N",
    ]
    for k in range(L - 1, 0, -1):
        x = "X" if k == 1 else prev[k - 2]
        fprime = "" if p.hidden == "linear" else f" ⊙ f′(Z{k})"
        label = f"Hidden layer {k}" if L > 2 else "Hidden layer"
        out.append(f"{L - k + 3}. **{label}**: delta{k} = delta{k + 1}·W{k + 1}ᵀ{fprime}"
                   f"; dW{k} = {x}ᵀ·delta{k}/N, db{k} = Σdelta{k}/N")
    out.append(f"{L + 3}. **Update**: {update_words(p)}")
    out.append(f"{L + 4}. **Repeat** for every epoch" +
               ("" if p.full_batch else " and every mini-batch"))
    return out


def update_words(p: Plan) -> str:
    if p.optimizer in ("gd", "sgd"):
        return "W −= lr·dW, b −= lr·db"
    if p.optimizer == "momentum":
        return f"v = {MOMENTUM}·v + dW, W −= lr·v, and the same for b"
    return (f"m = {BETA1}·m + (1−{BETA1})·dW, v = {BETA2}·v + (1−{BETA2})·dW², "
            f"m̂ = m/(1−{BETA1}ᵗ), v̂ = v/(1−{BETA2}ᵗ), W −= lr·m̂/(√v̂ + {EPS:g})")


def gradient_note(p: Plan) -> str:
    """Why delta is just ŷ − y: the objective J, not the reported loss, is differentiated."""
    if p.loss == "mse":
        return ("Gradients are of J = (1/2N)·Σ(ŷ−y)², half the MSE: so with a linear output "
                "the output delta is just ŷ − y, and each gradient is divided by N.")
    if p.loss == "ce":
        return ("Gradients are of J = (1/N)·Σₙ −Σₖ yₙₖ·log ŷₙₖ, the cross-entropy itself; with a "
                "softmax output its Jacobian cancels against the log, so the output delta is "
                "just ŷ − y.")
    return ("Gradients are of J = (1/N)·Σ bce(ŷ, y); with a sigmoid output the sigmoid's slope "
            "cancels, so the output delta is just ŷ − y.")


def formula(name: str) -> str:
    return OUTPUT_ACTIVATIONS[name].formula


def continuation(p: Plan) -> tuple[str, list[str]]:
    """For a program that starts where the session is now: why, and what was changed by hand
    (empty when a session file did not record it)."""
    s = p.start
    where = f"at epoch {s.epoch}" + (f", after {s.batch} of its {p.batches} updates"
                                     if s.batch else "")
    state = ("from its current weights, biases, learning rate, optimiser state and random "
             f"generator, and trains {p.epochs} epochs from there")
    if s.checked:
        return (f"This session was changed by hand, so the program starts where the session is "
                f"now, {where}, {state}. What changed:", list(s.changes))
    return (f"The program starts where the session is now, {where}, {state}: it was reopened "
            f"from a session file that does not say what was changed by hand.", [])
