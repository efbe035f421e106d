"""Trainer.fit / evaluate / predict: learning, Keras's semantics, weights, resuming,
multi-task heads, modes, dtypes, and the PyTorch-style loop on the same DataLoader."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from tqdm.auto import tqdm
from trainkit import blobs, mlp, trainer_for

import lucidnet.functional as F
from lucidnet import io, manual_seed, nn, optim
from lucidnet.autograd import is_grad_enabled, no_grad
from lucidnet.errors import LabelError, ShapeError
from lucidnet.training import DataLoader, ModelCheckpoint, Trainer


def _standardize(X):
    return (X - X.mean(0)) / X.std(0)


# -- it learns -----------------------------------------------------------------------
def test_fit_learns_breast_cancer_as_well_as_a_linear_model():
    X, y = load_breast_cancer(return_X_y=True)
    X = _standardize(X)
    reference = LogisticRegression(max_iter=1000).fit(X, y).score(X, y)  # 0.987
    manual_seed(0)
    model = nn.Sequential(nn.Linear(30, 1), nn.Sigmoid())
    trainer = Trainer(model, "binary_crossentropy", optim.Adam(model.parameters(), lr=0.01),
                      metrics=["accuracy"], seed=0)
    history = trainer.fit(X, y, epochs=30, batch_size=32, verbose=0)
    # the same model family as the reference: its training accuracy, within 2 points
    assert history.history["accuracy"][-1] >= reference - 0.02
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert trainer.metrics[0].resolved == "binary_accuracy"


def test_fit_learns_iris_softmax_regression():
    X, y = load_iris(return_X_y=True)
    X = _standardize(X)
    reference = LogisticRegression(max_iter=1000).fit(X, y).score(X, y)  # 0.973
    manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Softmax())
    trainer = Trainer(model, "sparse_categorical_crossentropy",
                      optim.Adam(model.parameters(), lr=0.05), metrics=["accuracy"], seed=0)
    trainer.fit(X, y, epochs=40, batch_size=16, verbose=0)
    loss, accuracy = trainer.evaluate(X, y, verbose=0)
    assert accuracy >= reference - 0.03 and loss < 0.2


# -- Keras semantics -----------------------------------------------------------------
class Probe(nn.Module):
    """A Linear layer that records what it sees: mode, grad mode, and the inputs."""

    def __init__(self, d_in, d_out):
        super().__init__()
        self.inner = nn.Linear(d_in, d_out)
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, is_grad_enabled(), x.data.copy(), x.data))
        return self.inner(x)


def test_validation_split_takes_the_last_samples_before_shuffling():
    X = np.arange(80, dtype=np.float64).reshape(40, 2)
    y = np.arange(40) % 3
    probe = Probe(2, 3)
    trainer = Trainer(nn.Sequential(probe, nn.Softmax()), "sparse_categorical_crossentropy",
                      optim.SGD(probe.parameters(), lr=0.0), seed=0)
    trainer.fit(X, y, epochs=2, batch_size=7, validation_split=0.25, verbose=0)
    train = [s for s in probe.seen if s[0]]
    val = [s for s in probe.seen if not s[0]]
    val_rows = np.concatenate([s[2] for s in val])
    np.testing.assert_array_equal(val_rows, np.concatenate([X[30:], X[30:]]))  # both epochs
    epoch_rows = np.concatenate([s[2] for s in train])[:30]
    np.testing.assert_array_equal(np.sort(epoch_rows[:, 0]), X[:30, 0])  # a permutation
    assert not np.array_equal(epoch_rows, X[:30])  # shuffled
    assert all(s[2].dtype == np.float32 for s in probe.seen)  # cast once to the model's dtype
    bases = {id(s[3].base) for s in val}
    assert len(bases) == 1  # every validation batch is a view of one cast copy


def test_validation_split_warns_when_the_tail_holds_one_class():
    X, _ = blobs(n=40)
    y_sorted = np.repeat([0, 1], 20)
    trainer = trainer_for(mlp([4, 3, 2], nn.Softmax()))
    with pytest.warns(UserWarning, match="all belong to class 1"):
        trainer.fit(X, y_sorted, validation_split=0.25, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.fit(X, np.arange(40) % 2, validation_split=0.25, verbose=0)


def test_class_and_sample_weights_scale_the_per_sample_losses():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 2))
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1])
    sample_weight = rng.uniform(0.5, 2.0, 10)
    class_weight = {0: 1.0, 1: 3.0}
    manual_seed(0)
    linear = nn.Linear(2, 1)
    W0, b0 = linear.weight.data.astype(np.float64), linear.bias.data.astype(np.float64)
    trainer = Trainer(nn.Sequential(linear, nn.Sigmoid()), "binary_crossentropy",
                      optim.SGD(linear.parameters(), lr=0.1), seed=0)
    history = trainer.fit(X, y, batch_size=10, shuffle=False, verbose=0,
                          class_weight=class_weight, sample_weight=sample_weight)
    # by hand, in float64: L = Σ wᵢ lᵢ / N,  dL/doᵢ = wᵢ (pᵢ − yᵢ) / N
    w = np.where(y == 1, 3.0, 1.0) * sample_weight
    o = X @ W0 + b0  # lucidnet's W is (in, out)
    p = 1 / (1 + np.exp(-o[:, 0]))
    losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert history.history["loss"][0] == pytest.approx((w * losses).sum() / 10, rel=1e-5)
    d_o = w * (p - y) / 10
    np.testing.assert_allclose(linear.weight.data, W0 - 0.1 * (X.T @ d_o)[:, None], rtol=1e-5)
    np.testing.assert_allclose(linear.bias.data, b0 - 0.1 * d_o.sum(), rtol=1e-5)


def test_evaluate_and_predict_return_keras_shapes():
    X, y = blobs()
    trainer = trainer_for(mlp([4, 8, 3], nn.Softmax()), metrics=["accuracy", "f1_score"])
    trainer.fit(X, y, epochs=2, verbose=0)
    loss, accuracy, f1 = trainer.evaluate(X, y, verbose=0)
    logs = trainer.evaluate(X, y, verbose=0, return_dict=True)
    assert logs == {"loss": loss, "accuracy": accuracy, "f1_score": f1}
    assert trainer.metrics_names == ["loss", "accuracy", "f1_score"]
    plain = trainer_for(mlp([4, 8, 3], nn.Softmax()))
    assert isinstance(plain.evaluate(X, y, verbose=0), float)
    predictions = trainer.predict(X, batch_size=50, verbose=0)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (120, 3)
    assert predictions.dtype == np.float32
    np.testing.assert_allclose(predictions.sum(axis=1), 1, rtol=1e-5)


def test_modes_and_gradients_in_fit_evaluate_predict():
    X, y = blobs(n=30)
    probe = Probe(4, 3)
    model = nn.Sequential(probe, nn.Softmax())
    trainer = trainer_for(model)
    model.eval()
    trainer.fit(X, y, epochs=1, batch_size=10, validation_data=(X[:10], y[:10]), verbose=0)
    assert [(s[0], s[1]) for s in probe.seen] == [(True, True)] * 3 + [(False, False)]
    assert not model.training  # the mode it had before fit
    probe.seen.clear()
    model.train()
    trainer.evaluate(X, y, verbose=0)
    trainer.predict(X, verbose=0)
    assert {(s[0], s[1]) for s in probe.seen} == {(False, False)}
    assert model.training


def test_float64_regression_targets_are_cast_once():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.standard_normal((50, 1))
    seen = []

    def loss(y_true, y_pred):
        seen.append((y_true.dtype, y_pred.dtype))
        return F.mean_squared_error(y_true, y_pred)

    model = mlp([3, 4, 1])
    Trainer(model, loss, optim.SGD(model.parameters(), lr=0.01), seed=0).fit(X, y, verbose=0)
    assert set(seen) == {(np.dtype(np.float32), np.dtype(np.float32))}


def test_bad_inputs_are_named():
    X, y = blobs(n=10)
    trainer = trainer_for(mlp([4, 3], nn.Softmax()))
    with pytest.raises(ShapeError, match="x has 10 samples but y has 9"):
        trainer.fit(X, y[:9], verbose=0)
    with pytest.raises(ValueError, match="y is missing"):
        trainer.fit(X, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        trainer.fit(X, y, validation_split=1.0, verbose=0)
    with pytest.raises(TypeError, match="Module"):
        Trainer(lambda x: x, "mse")


# -- resuming ------------------------------------------------------------------------
def test_resumed_training_equals_uninterrupted_training_bit_for_bit(tmp_path):
    X, y = blobs()

    def fresh():
        model = mlp([4, 8, 3], nn.Softmax())
        return model, optim.Adam(model.parameters(), lr=0.05)

    model, optimizer = fresh()
    whole = Trainer(model, "sparse_categorical_crossentropy", optimizer, seed=7)
    history = whole.fit(X, y, epochs=5, batch_size=16, verbose=0)

    first, opt1 = fresh()
    path = tmp_path / "resume.safetensors"
    Trainer(first, "sparse_categorical_crossentropy", opt1, seed=7).fit(
        X, y, epochs=3, batch_size=16, verbose=0, callbacks=[ModelCheckpoint(path)])
    saved = io.load_state(path).metadata
    assert saved["epoch"] == 3 and saved["seed"] == 7
    opt2 = optim.Adam(lr=0.05)
    resumed = io.load(path, optimizer=opt2)
    rest = Trainer(resumed, "sparse_categorical_crossentropy", opt2, seed=saved["seed"]).fit(
        X, y, epochs=5, initial_epoch=saved["epoch"], batch_size=16, verbose=0)
    assert rest.epoch == [3, 4]
    assert rest.history["loss"] == history.history["loss"][3:]
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


# -- multi-task ----------------------------------------------------------------------
class TwoHeads(nn.Module):
    """A shared trunk and two heads: class (softmax over 3) and a real value."""

    def __init__(self, as_list=False):
        super().__init__()
        manual_seed(0)
        self.trunk = nn.Sequential(nn.Linear(4, 16), nn.ReLU())
        self.cls = nn.Sequential(nn.Linear(16, 3), nn.Softmax())
        self.reg = nn.Linear(16, 1)
        self.as_list = as_list

    def forward(self, x):
        h = self.trunk(x)
        if self.as_list:
            return [self.cls(h), self.reg(h)]
        return {"cls": self.cls(h), "reg": self.reg(h)}


def _two_targets():
    X, y = blobs(n=150)
    return X, y, X[:, :1] - 2 * X[:, 1:2]


def test_multi_task_dict_heads_log_keras_names_and_weight_the_losses():
    X, labels, values = _two_targets()
    model = TwoHeads()
    losses = {"cls": "sparse_categorical_crossentropy", "reg": "mean_squared_error"}
    trainer = Trainer(model, losses, optim.Adam(model.parameters(), lr=0.02),
                      metrics={"cls": ["accuracy"], "reg": "mae"},
                      loss_weights={"cls": 1.0, "reg": 0.5}, seed=0)
    history = trainer.fit(X, {"reg": values, "cls": labels}, epochs=15, batch_size=16,
                          validation_split=0.2, verbose=0)
    base = ["loss", "cls_loss", "reg_loss", "cls_accuracy", "reg_mae"]
    assert list(history.history) == base + [f"val_{k}" for k in base]
    logs = trainer.evaluate(X, {"cls": labels, "reg": values}, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["cls_loss"] + 0.5 * logs["reg_loss"], rel=1e-6)
    assert logs["cls_accuracy"] > 0.9 and logs["reg_mae"] < history.history["reg_mae"][0]
    out = trainer.predict(X, verbose=0)
    assert set(out) == {"cls", "reg"}
    assert out["cls"].shape == (150, 3) and out["reg"].shape == (150, 1)


def test_multi_task_list_heads_and_a_zero_weight_leave_a_head_untouched():
    X, labels, values = _two_targets()
    model = TwoHeads(as_list=True)
    head_before = [p.data.copy() for p in model.cls.parameters()]
    trunk_before = [p.data.copy() for p in model.trunk.parameters()]
    trainer = Trainer(model, ["sparse_categorical_crossentropy", "mean_squared_error"],
                      optim.SGD(model.parameters(), lr=0.01), loss_weights=[0.0, 1.0], seed=0)
    history = trainer.fit(X, [labels, values], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "output_1_loss", "output_2_loss"}
    assert history.history["loss"][0] == pytest.approx(history.history["output_2_loss"][0])
    assert all(np.array_equal(a, p.data) for a, p in zip(head_before, model.cls.parameters()))
    trunk_after = [p.data for p in model.trunk.parameters()]
    assert not all(np.array_equal(a, b) for a, b in zip(trunk_before, trunk_after))
    with pytest.raises(ValueError, match="2 outputs"):
        trainer.fit(X, [labels], verbose=0)


# -- the PyTorch way -----------------------------------------------------------------
def test_pytorch_loop_on_the_dataloader_equals_fit():
    X, y = blobs()
    X32 = X.astype(np.float32)
    model = mlp([4, 8, 3], nn.Softmax())
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    loader = DataLoader((X32, y), batch_size=16, shuffle=True, seed=3)
    for epoch in range(3):
        model.train()
        for xb, yb in tqdm(loader, desc=f"epoch {epoch + 1}", leave=False):
            out = model(xb)
            loss = F.sparse_categorical_crossentropy(yb, out)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with no_grad():
        accuracy = (model(X32).data.argmax(axis=1) == y).mean()
    assert accuracy > 0.9

    twin = mlp([4, 8, 3], nn.Softmax())
    Trainer(twin, "sparse_categorical_crossentropy", optim.Adam(twin.parameters(), lr=0.05),
            seed=3).fit(X32, y, epochs=3, batch_size=16, verbose=0)
    for a, b in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_keras_loss_config_is_one_loss_not_one_per_output():
    X, y = blobs()
    config = {"class_name": "sparse_categorical_crossentropy", "config": {"from_logits": True}}
    trainer = trainer_for(mlp([4, 8, 3]), loss=config)
    history = trainer.fit(X, y, epochs=3, verbose=0)
    assert trainer.heads[0].loss.from_logits
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_logits_given_to_a_probability_loss_are_refused_with_the_fix():
    X, y = blobs()
    with pytest.raises(LabelError, match="pass from_logits=True"):
        trainer_for(mlp([4, 8, 3])).fit(X, y, verbose=0)


# -- the step without the tape -------------------------------------------------------
def _fit_counting_fused_steps(eager, model, loss, data=None, metrics=("accuracy",), **fit):
    """(history, final weights, steps without the tape, steps that called the loss's
    Function directly) of 3 epochs on ``data`` (default: blobs)."""
    trainer = trainer_for(model, loss, metrics=list(metrics), run_eagerly=eager)
    steps, direct = [], []
    fused = trainer._tape_free

    def spy_fused(*a):
        found = fused(*a)
        direct.append(found is not None and found.loss_fn is not None)
        if found is not None:
            step = found.step
            found.step = lambda *b: steps.append(1) or step(*b)
        return found

    trainer._tape_free = spy_fused
    x, y = blobs() if data is None else data
    history = trainer.fit(x, y, batch_size=16, epochs=3, verbose=0, **fit)
    return (history.history, [p.data.copy() for p in model.parameters()], len(steps),
            all(direct) and bool(direct))


def _softmax():
    return nn.Softmax()


def _sigmoid():
    return nn.Sigmoid()


def _logits_loss(y, o):
    return F.sparse_categorical_crossentropy(y, o, from_logits=True)


def _doubled_targets_loss(y, o):  # prepares y: its Function cannot take the batch's y
    return F.mean_squared_error(y * 2.0, o)


_X, _Y = blobs()
_BINARY = (_X, (_Y[:, None] == 0).astype(np.float64))
_REGRESSION = (_X, _X[:, :1] - _X[:, 1:2])


@pytest.mark.parametrize("loss, head, data, out, direct", [
    ("sparse_categorical_crossentropy", _softmax, None, 3, True),
    (_logits_loss, None, None, 3, True),
    ("binary_crossentropy", _sigmoid, _BINARY, 1, True),
    ("mse", None, _REGRESSION, 1, True),
    (_doubled_targets_loss, None, _REGRESSION, 1, False),
], ids=["probabilities", "logits", "binary", "mse", "a loss that prepares y"])
def test_fit_without_the_tape_gives_the_tapes_numbers_bit_for_bit(loss, head, data, out, direct):
    """A Sequential of one-Function layers trains through its Chain by hand after the
    first batch of each epoch, calling the loss's Function directly when the loss takes
    the batch's targets as they come; run_eagerly=True keeps the tape at every step."""
    def build():
        model = mlp([4, 8, 8, out], head() if head else None)
        model.insert(2, nn.Dropout(0.25))
        return model

    metrics = ("accuracy",) if out == 3 else ()
    fast = _fit_counting_fused_steps(False, build(), loss, data, metrics, validation_split=0.2)
    taped = _fit_counting_fused_steps(True, build(), loss, data, metrics, validation_split=0.2)
    assert fast[2] == 3 * (6 - 1) and taped[2] == 0  # 96 samples / 16 = 6 batches an epoch
    assert fast[3] is direct
    assert fast[0] == taped[0]
    for a, b in zip(fast[1], taped[1]):
        np.testing.assert_array_equal(a, b)


def test_the_step_without_the_tape_writes_the_gradients_where_the_optimizer_reads_them():
    model = mlp([4, 8, 3])
    trainer = trainer_for(model, _logits_loss)
    trainer.fit(*blobs(), batch_size=16, epochs=1, verbose=0)
    slices = trainer.optimizer.grad_slices()
    assert slices and all(p.grad is slices[p] for p in model.parameters())


@pytest.mark.parametrize("weighted", [False, True], ids=["loss Function", "loss on the tape"])
def test_no_earlier_batch_outlives_its_step(weighted):
    """An epoch holds at most the batch being trained on and the one being gathered:
    the first step's tape (its batch, its activations) is not kept for the epoch."""
    import tracemalloc

    from lucidnet.training import Callback

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((2048, 2000)).astype(np.float32), rng.integers(0, 3, 2048)
    batch_bytes = 512 * 2000 * 4  # 4 MB
    peaks = []

    class Peak(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            tracemalloc.start()

        def on_epoch_end(self, epoch, logs=None):
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()

    model = mlp([2000, 8, 3], nn.Softmax())
    trainer_for(model).fit(
        X, y, batch_size=512, epochs=2, verbose=0, callbacks=[Peak()],
        sample_weight=np.ones(len(y)) if weighted else None)
    assert max(peaks) < 2.5 * batch_bytes, [p / batch_bytes for p in peaks]


def test_a_layer_used_twice_sums_its_gradients_without_the_tape_as_with_it():
    """A shared layer's two gradients are summed: they are not written into one place."""
    def build():
        manual_seed(0)
        shared = nn.Linear(8, 8)
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                             nn.Linear(8, 3))

    fast = _fit_counting_fused_steps(False, build(), _logits_loss)
    taped = _fit_counting_fused_steps(True, build(), _logits_loss)
    assert fast[2] > 0 and taped[2] == 0
    assert fast[0] == taped[0]
    for a, b in zip(fast[1], taped[1]):
        np.testing.assert_array_equal(a, b)


def test_a_single_output_loss_weight_still_scales_the_gradient():
    """loss_weights=[0.5] (Keras's list for one output) or 0.5: the same steps, with the
    tape or without; different from the unweighted ones."""
    weights = []
    for loss_weights, eager in ((0.5, False), ([0.5], True), (1.0, False)):
        model = mlp([4, 8, 3])
        trainer_for(model, _logits_loss, loss_weights=loss_weights, run_eagerly=eager).fit(
            *blobs(), batch_size=16, epochs=2, verbose=0)
        weights.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(weights[0], weights[1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(weights[0][0], weights[2][0])


@pytest.mark.parametrize("bad", [3, -1])
def test_a_bad_label_after_the_first_batch_is_still_refused(bad):
    """The loss's checks of y run once over every target when its Function is called
    directly: a label out of range in the last batch is the same LabelError."""
    x, y = blobs()
    y = y.copy()
    y[-1] = bad
    trainer = trainer_for(mlp([4, 8, 3]), _logits_loss)
    with pytest.raises(LabelError, match=r"class indices must be in \[0, 2\]"):
        trainer.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)


def test_models_the_chain_does_not_cover_keep_the_tape():
    """Penalties (``model.losses``) and layers of several Functions step on the tape."""
    model = mlp([4, 8, 3])
    model.insert(1, nn.BatchNorm1d(8))
    assert _fit_counting_fused_steps(False, model, _logits_loss)[2] == 0
    model = mlp([4, 8, 3])
    model.losses = [(model[0].weight * model[0].weight).sum() * 0.0]
    assert _fit_counting_fused_steps(False, model, _logits_loss)[2] == 0
