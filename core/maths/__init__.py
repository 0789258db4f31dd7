"""The mathematics of a network, with no session around it: activations and their slopes, the
losses with their objective J and output delta, the dense layers' forward and backward
passes, the optimisers' update rules, classification metrics and the gradient check.

Imports NumPy and the vocabulary at `core/`'s top only."""
