"""The data a session trains on: the Dataset record and its normalisers, the built-in
datasets, and CSV files (sniffed, read with pandas, turned into features and targets).

Imports the vocabulary at `core/`'s top and NumPy; pandas only when a CSV is read."""
