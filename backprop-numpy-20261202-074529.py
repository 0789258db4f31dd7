"""Backpropagation from scratch: a backprop-stepper session as a program you can run and
change.

Data:      notebook: 4 rows, 2 features (Hours_Studied, Hours_Slept) → Final_Score;
           normalised: max
Network:   2-2-1: linear hidden layer, a linear output; 9 trainable parameters
Loss:      mse: reported as MSE = mean((ŷ−y)²); gradients of J = (1/2N)·Σ(ŷ−y)²
Optimiser: gd: W −= lr·dW, b −= lr·db; lr 12.8, full batch, 1000 epochs
Seed:      not used (nothing here is drawn at random)
Weights:   the session's parameters at epoch 5

Needs only NumPy: python this_file.py

This session was changed by hand, so the program starts where the session is now, at epoch
5, from its current weights, biases, learning rate, optimiser state and random generator,
and trains 1000 epochs from there. What changed:
  - epoch 0: lr 25.6 → 12.8
"""

# Importing Libraries

import numpy as np


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


# Creating the neural network

"""
 Input Layer - 2 neurons
 Hidden Layer - 2 neurons (linear)
 Output Layer - 1 neuron (linear)

 Total Trainable Parameters = 2x2 + 2x1 (weights) + 2 + 1 (biases) = 9
"""

# Starting weights and biases: the session's parameters at epoch 5
W1 = np.array([
    [-2.4851111454782703e+157, -3.5611820476300253e+157],
    [-3.050657022593844e+157, -4.371613334922632e+157],
], dtype=float)
b1 = np.array([[-3.939433047490091e+157, -5.645235736070954e+157]], dtype=float)
W2 = np.array([[-1.2868432326072638e+158], [-1.3023140326389655e+157]], dtype=float)
b2 = np.array([[-4.2032464168120416e+105]], dtype=float)


# Activations, loss and optimiser


def mse(y_hat, y):
    """Mean squared error, mean((ŷ − y)²): the loss the log prints."""
    e = (y_hat - y).ravel()
    return float(np.dot(e, e)) / e.size


# Training settings

epochs = 1000
lr = 12.8
log_every = 100
start_epoch = 5


# Training

ones = np.ones((1, X.shape[0]))  # ones·delta: delta summed over the rows

for epoch in range(start_epoch, start_epoch + epochs):
    # 1. Forward pass
    H = np.dot(X, W1) + b1  # (4, 2)
    y_hat = np.dot(H, W2) + b2  # (4, 1)

    # 2. Loss (MSE)
    loss = mse(y_hat, y)
    if not np.isfinite(loss):
        raise SystemExit(f"diverged at epoch {epoch}: try a lower lr")
    if epoch % log_every == 0:
        print(f"Epoch {epoch}, Loss: {loss:.5f}")

    # 3. Output layer gradients
    delta2 = y_hat - y
    dW2 = np.dot(H.T, delta2) / X.shape[0]
    db2 = np.dot(ones, delta2) / X.shape[0]

    # 4. Hidden layer gradients
    delta1 = np.dot(delta2, W2.T)
    dW1 = np.dot(X.T, delta1) / X.shape[0]
    db1 = np.dot(ones, delta1) / X.shape[0]

    # 5. Update weights and biases (gd)
    W2 -= lr * dW2
    b2 -= lr * db2
    W1 -= lr * dW1
    b1 -= lr * db1


# Final Predictions

H = np.dot(X, W1) + b1
y_hat = np.dot(H, W2) + b2
predictions = y_hat
print("\nFinal Predictions:\n", predictions)
