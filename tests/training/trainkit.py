"""Small models, data and recording callbacks shared by the training tests."""

import numpy as np

from lucidnet import manual_seed, nn, optim
from lucidnet.training import Callback, Trainer


def mlp(sizes, out_activation=None, seed=0):
    """Linear–ReLU stack of ``sizes`` with an optional output activation Module."""
    manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if out_activation is not None:
        layers.append(out_activation)
    return nn.Sequential(*layers)


def blobs(n=120, d=4, classes=3, seed=0):
    """Gaussian blobs, shuffled: easy multiclass data (float64, integer labels)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    centres = rng.standard_normal((classes, d)) * 3
    return centres[y] + rng.standard_normal((n, d)), y


def trainer_for(model, loss="sparse_categorical_crossentropy", lr=0.05, metrics=None, seed=0, **kw):
    optimizer = optim.Adam(model.parameters(), lr=lr)
    return Trainer(model, loss, optimizer, metrics=metrics, seed=seed, **kw)


class Script(Callback):
    """Writes scripted values into the epoch logs (placed before the callback under test)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class Recorder(Callback):
    """Copies of the weights at every batch start and every epoch end."""

    def __init__(self):
        super().__init__()
        self.batch_start, self.epoch_end = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.batch_start.append(self.model.get_weights())

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_end.append(self.model.get_weights())
