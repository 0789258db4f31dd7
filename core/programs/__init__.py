"""A session as a program to take home: what the program needs (the plan), the parts every
program shares, and the three formats (a NumPy script, a notebook, a PyTorch script).

The top of the stack: imports `core.files`, `core.present` and the layers below them."""
