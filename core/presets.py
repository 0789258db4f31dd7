"""The notebook's printed starting point, and sensible defaults for each built-in dataset.

Plain lists and dicts, no NumPy: the config resolves defaults from here while the command
line is being read.
"""

# Exactly what the notebook printed after `np.random.rand` (In [9]).
NOTEBOOK_W1 = [[0.53478669, 0.44097337], [0.23139675, 0.47830704]]
NOTEBOOK_B1 = [[0.06164027, 0.12409449]]
NOTEBOOK_W2 = [[0.6784994], [0.61629207]]
NOTEBOOK_B2 = [[0.66356891]]

PRESETS = {
    "notebook": {
        "data": "notebook", "hidden": (2,), "activation": "linear",
        "output_activation": "linear", "lr": 0.1, "epochs": 1000,
    },
}


def preset_layers(name: str) -> list[tuple[list[list[float]], list[list[float]]]]:
    """Starting (W, b) per layer for a preset, as nested lists (rows of floats)."""
    assert name == "notebook"
    return [(NOTEBOOK_W1, NOTEBOOK_B1), (NOTEBOOK_W2, NOTEBOOK_B2)]


# What a dataset trains well with when the user does not say otherwise.
DATASET_DEFAULTS: dict[str, dict] = {
    "notebook": dict(hidden=(2,), activation="linear", output_activation="linear", loss="mse",
                     normalize="max", init="uniform", lr=0.1, epochs=1000),
    "xor": dict(hidden=(4,), activation="tanh", output_activation="sigmoid", loss="bce",
                normalize="none", init="xavier", lr=0.5, epochs=1000),
    "circle": dict(hidden=(6,), activation="tanh", output_activation="sigmoid", loss="bce",
                   normalize="none", init="xavier", lr=0.3, epochs=500),
    "gauss": dict(hidden=(2,), activation="tanh", output_activation="sigmoid", loss="bce",
                  normalize="none", init="xavier", lr=0.3, epochs=300),
    "spiral": dict(hidden=(8, 8), activation="tanh", output_activation="sigmoid", loss="bce",
                   normalize="none", init="xavier", lr=0.03, epochs=2000, optimizer="adam"),
    "sine": dict(hidden=(16,), activation="tanh", output_activation="linear", loss="mse",
                 normalize="none", init="xavier", lr=0.2, epochs=2000),
    "spiral3": dict(hidden=(16,), activation="tanh", output_activation="softmax", loss="ce",
                    normalize="none", init="xavier", lr=0.05, epochs=500, optimizer="adam"),
    "csv": dict(hidden=(2,), activation="linear", output_activation="linear", loss="mse",
                normalize="max", init="xavier", lr=0.1, epochs=1000),
}
