"""Backpropagation from scratch: a backprop-stepper session as a program you can run and
change.

Data:      notebook: 4 rows, 2 features (Hours_Studied, Hours_Slept) → Final_Score;
           normalised: max
Network:   2-2-1: linear hidden layer, a linear output; 9 trainable parameters
Loss:      mse: reported as MSE = mean((ŷ−y)²); gradients of J = (1/2N)·Σ(ŷ−y)²
Optimiser: gd: W −= lr·dW, b −= lr·db; lr 1.6, full batch, 1000 epochs
Seed:      not used (nothing here is drawn at random)
Weights:   the session's parameters at epoch 6

Needs only PyTorch and NumPy: python this_file.py

This session was changed by hand, so the program starts where the session is now, at epoch
6, from its current weights, biases, learning rate, optimiser state and random generator,
and trains 1000 epochs from there. What changed:
  - epoch 6: lr 3.2 → 1.6
"""

# Importing Libraries

import numpy as np
import torch

torch.set_default_dtype(torch.float64)  # the session's float64


# Creating Dataset

feature_names = ['Hours_Studied', 'Hours_Slept']
features = np.array([[2, 9], [4, 8], [6, 6], [8, 5]], dtype=float)
target_names = ['Final_Score']  # target (y)
targets = np.array([[55], [65], [75], [85]], dtype=float)


# Normalizing the Data

X, y = features, targets

x_scale = np.abs(X).max(axis=0, keepdims=True)
x_scale[x_scale == 0] = 1.0  # a constant column stays as it is
X = X / x_scale

y_scale = np.abs(y).max(axis=0, keepdims=True)
y_scale[y_scale == 0] = 1.0  # a constant column stays as it is
y = y / y_scale


# The prepared data as tensors

X, y = torch.from_numpy(X), torch.from_numpy(y)


# Creating the neural network

# Starting weights and biases: the session's parameters at epoch 6
W1 = torch.tensor([
    [9.194338218566934e+191, 7.568021593691338e+191],
    [1.1286722739321406e+192, 9.290300115423103e+191],
], dtype=torch.float64, requires_grad=True)
b1 = torch.tensor([
    [1.4574989794618114e+192, 1.1996930597000938e+192],
], dtype=torch.float64, requires_grad=True)
W2 = torch.tensor([
    [2.0327580789260855e+192],
    [6.595614349808058e+191],
], dtype=torch.float64, requires_grad=True)
b2 = torch.tensor([[-2.289842223227506e+128]], dtype=torch.float64, requires_grad=True)
params = [W1, b1, W2, b2]
weights = [W1, W2]  # what L2 penalises


def forward(X):
    """The output layer's z and ŷ for the rows of X."""
    Z1 = X @ W1 + b1
    H = Z1
    Z2 = H @ W2 + b2
    y_hat = Z2
    return Z2, y_hat


def reported_loss(z, y_hat, y):
    """What the log prints: MSE = mean((ŷ−y)²)."""
    return ((y_hat - y) ** 2).mean()


def objective(z, y_hat, y):
    """What the gradients are of: J = (1/2N)·Σ(ŷ−y)²."""
    J = ((y_hat - y) ** 2).sum() / (2 * y.shape[0])
    return J


# Training settings

epochs = 1000
lr = 1.6
log_every = 100
start_epoch = 6

optimizer = torch.optim.SGD(params, lr=lr)  # θ −= lr·dθ


# Training

for epoch in range(start_epoch, start_epoch + epochs):
    # 1. Forward pass
    z, y_hat = forward(X)

    # 2. Loss
    loss = reported_loss(z, y_hat, y).item()
    if not np.isfinite(loss):
        raise SystemExit(f"diverged at epoch {epoch}: try a lower lr")
    if epoch % log_every == 0:
        print(f"Epoch {epoch}, Loss: {loss:.5f}")

    # 3.-4. Backpropagation: autograd fills each parameter's .grad
    optimizer.zero_grad()
    objective(z, y_hat, y).backward()

    # 5. Update weights and biases
    optimizer.step()


# Final Predictions

with torch.no_grad():
    y_hat = forward(X)[1].numpy()
predictions = y_hat
print("\nFinal Predictions:\n", predictions)
