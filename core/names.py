"""The choices and limits every front end lists, with no NumPy.

The CLI, the settings form, the help text and session files all offer these names and
check these limits; the modules that implement them (activations, losses, optim, network,
data) define their tables with exactly these keys, and a test keeps the two in step. Kept
free of NumPy so that parsing a command line or drawing a form never waits for it.
"""

from __future__ import annotations

import itertools

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")  # hidden layers
OUTPUT_ACTIVATIONS = (*ACTIVATIONS, "softmax")  # softmax only with the ce loss
LOSSES = ("mse", "bce", "ce")
# The output activation each loss needs (mse takes any but softmax).
LOSS_OUTPUT = {"bce": "sigmoid", "ce": "softmax"}
OPTIMIZERS = ("gd", "sgd", "momentum", "adam")
INITS = ("uniform", "xavier", "he")
NORMALIZERS = ("max", "minmax", "zscore", "none")
DATASETS = ("notebook", "xor", "circle", "gauss", "spiral", "sine", "spiral3")
PRESETS = ("notebook",)

# What a network may be.
MAX_UNITS = 1024
MAX_LAYERS = 8
MAX_PARAMS = 5_000_000
MAX_ACTIVATION_BYTES = 4 * 2**30

# Numbers a user types: (low, high, low excluded).
LR_RANGE = (0.0, 1000.0, True)
L2_RANGE = (0.0, 1e6, False)
NOISE_RANGE = (0.0, 10.0, False)
TEST_FRACTION_RANGE = (0.0, 0.9, False)
MAX_EPOCHS = 10_000_000
MAX_PARAM_VALUE = 1e6  # a weight or bias typed in by hand
UNDO_BUDGET = 256 * 2**20  # bytes of snapshots a session keeps for stepping back

# What a CSV may be.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 1_000
MAX_FILE_BYTES = 512 * 1024 * 1024
SEPARATORS = (",", ";", "\t", "|")  # what --sep detects; any one character may be given
DECIMALS = (".", ",")
MAX_SKIP_ROWS = 1_000_000
MAX_CATEGORIES = 20  # distinct values of a text feature, one-hot encoded
MAX_CLASSES = 50  # classes of a ce target


def n_params(sizes: tuple[int, ...]) -> int:
    """Weights and biases of a dense network with these layer sizes."""
    return sum(i * o + o for i, o in itertools.pairwise(sizes))


def lr_ok(lr: object) -> bool:
    """Whether `lr` is a learning rate we train with: finite, above 0, at most the ceiling."""
    low, high, _ = LR_RANGE
    return isinstance(lr, int | float) and low < lr <= high


def lr_limits() -> str:
    """The learning-rate rule, in words, for messages."""
    low, high, _ = LR_RANGE
    return f"above {low:g} and at most {high:g}"


# ---------------------------------------------------------------- what matrices are called

def layer_names(depth: int) -> list[str]:
    """Each layer's output as every view names it: the notebook's `H` for its one hidden
    layer (`H1`, `H2`, … when there are several) and `ŷ` for the output."""
    if depth == 2:
        return ["H", "ŷ"]
    return [f"H{k}" for k in range(1, depth)] + ["ŷ"]


def pre_activation_name(layer: int, depth: int, activation: str) -> str:
    """Layer `layer`'s (0-based) `A·W + b`: `Z1`, `Z2`, … before a non-linear activation;
    with `linear` it is the layer's output itself, so it keeps that one name."""
    if activation == "linear":
        return layer_names(depth)[layer]
    return f"Z{layer + 1}"


def single_layer_model(loss: str, output: str) -> str:
    """What a network with no hidden layer (`--hidden 0`) is called in the courses: the
    model the hidden layers are then shown to beat."""
    if loss == "bce":
        return "logistic regression"
    if loss == "ce":
        return "softmax regression"
    return "linear regression" if output == "linear" else f"one {output} layer"


TRANSPOSE = "ᵀ"  # one notation everywhere: Hᵀ, W2ᵀ, Xᵀ


# How `backprop graph` writes one row's graph of scalars.
GRAPH_FORMATS = ("text", "json", "dot")

# What `backprop code` and the export key write: a session as a program.
CODE_FORMATS = ("numpy", "notebook", "torch")
CODE_SUFFIXES = {"numpy": "py", "notebook": "ipynb", "torch": "py"}
CODE_DESCRIPTIONS = {
    "numpy": "a NumPy script in the notebook's style (.py)",
    "notebook": "a Jupyter notebook: the same code, each step explained (.ipynb)",
    "torch": "a PyTorch script: autograd and torch.optim, the same numbers (.py)",
}
