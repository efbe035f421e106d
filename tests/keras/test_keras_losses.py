"""keras.losses: per-sample functions, reducing classes with sample weights, get and
serialize, and their use in compile."""

import numpy as np
import pytest
from kerasdata import blobs

from lucidnet import functional as F
from lucidnet import keras, manual_seed, tensor
from lucidnet.errors import UnknownNameError
from lucidnet.training import WeightedLoss

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 4))
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
LABELS = np.array([0, 3, 1, 1, 2, 0])
ONE_HOT = np.eye(4)[LABELS]
WEIGHTS = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0])


def test_functions_return_one_loss_per_sample_as_keras_does():
    expected = -np.log(PROBS[np.arange(6), LABELS])
    cases = [
        keras.losses.categorical_crossentropy(ONE_HOT, tensor(PROBS)),
        keras.losses.categorical_crossentropy(ONE_HOT, tensor(LOGITS), from_logits=True),
        keras.losses.sparse_categorical_crossentropy(LABELS, tensor(PROBS)),
        keras.losses.sparse_categorical_crossentropy(LABELS, tensor(LOGITS), from_logits=True),
    ]
    for values in cases:
        assert values.shape == (6,)
        np.testing.assert_allclose(values.numpy(), expected, rtol=1e-10)
    y = (LOGITS > 0).astype(float)
    bce = keras.losses.binary_crossentropy(y, tensor(PROBS)).numpy()
    np.testing.assert_allclose(bce, -(y * np.log(PROBS) + (1 - y) * np.log(1 - PROBS)).mean(1))
    np.testing.assert_allclose(keras.losses.mse(ONE_HOT, tensor(PROBS)).numpy(),
                               ((ONE_HOT - PROBS) ** 2).mean(1))
    np.testing.assert_allclose(keras.losses.mae(ONE_HOT, tensor(PROBS)).numpy(),
                               abs(ONE_HOT - PROBS).mean(1))
    assert keras.losses.mse is keras.losses.mean_squared_error


def test_the_functions_agree_with_pytorch_per_sample():
    torch = pytest.importorskip("torch")
    ours = keras.losses.sparse_categorical_crossentropy(LABELS, tensor(LOGITS), from_logits=True)
    theirs = torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor(LABELS),
                                               reduction="none")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction, expected", [
    ("sum_over_batch_size", lambda l, w: (w * l).sum() / len(l)),
    ("sum", lambda l, w: (w * l).sum()),
    ("none", lambda l, w: w * l),
    (None, lambda l, w: w * l),
])
def test_loss_classes_reduce_weighted_per_sample_losses(reduction, expected):
    per_sample = -np.log(PROBS[np.arange(6), LABELS])
    loss = keras.losses.CategoricalCrossentropy(reduction=reduction)
    value = loss(ONE_HOT, tensor(PROBS), sample_weight=WEIGHTS)
    np.testing.assert_allclose(value.numpy(), expected(per_sample, WEIGHTS), rtol=1e-10)
    unweighted = loss(ONE_HOT, tensor(PROBS))
    np.testing.assert_allclose(unweighted.numpy(), expected(per_sample, np.ones(6)), rtol=1e-10)


def test_loss_class_gradient_is_the_fused_softmax_minus_y():
    logits = tensor(LOGITS, requires_grad=True)
    keras.losses.CategoricalCrossentropy(from_logits=True)(ONE_HOT, logits).backward()
    np.testing.assert_allclose(logits.grad, (PROBS - ONE_HOT) / 6, rtol=1e-10)


def test_loss_objects_carry_their_name_and_options():
    loss = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    assert isinstance(loss, WeightedLoss)  # the engine takes it as it is
    assert loss.name == "binary_crossentropy" and loss.from_logits
    assert loss.get_config() == {"name": "binary_crossentropy",
                                 "reduction": "sum_over_batch_size",
                                 "from_logits": True, "label_smoothing": 0.1}
    assert "from_logits=True" in repr(loss)
    with pytest.raises(ValueError, match="reduction must be"):
        keras.losses.MeanSquaredError(reduction="average")


def test_get_resolves_names_configs_classes_and_objects():
    assert keras.losses.get("mse") is keras.losses.mean_squared_error
    assert keras.losses.get("categorical_crossentropy") is keras.losses.categorical_crossentropy
    assert keras.losses.get(None) is None
    obj = keras.losses.get("SparseCategoricalCrossentropy")
    assert isinstance(obj, keras.losses.SparseCategoricalCrossentropy) and not obj.from_logits
    config = {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    assert keras.losses.get(config).from_logits
    assert isinstance(keras.losses.get(keras.losses.MeanAbsoluteError),
                      keras.losses.MeanAbsoluteError)
    assert keras.losses.get(obj) is obj
    with pytest.raises(UnknownNameError, match="did you mean 'mse'"):
        keras.losses.get("msee")


def test_serialize_and_get_round_trip():
    obj = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)
    again = keras.losses.get(keras.losses.serialize(obj))
    assert type(again) is type(obj) and again.get_config() == obj.get_config()
    assert keras.losses.serialize(keras.losses.mae) == "mean_absolute_error"
    with pytest.raises(ValueError, match="cannot be saved by name"):
        keras.losses.serialize(lambda y, p: p)


def test_compile_takes_functions_class_names_and_configs_alike():
    x, labels = blobs(150)
    results = []
    for loss in ("sparse_categorical_crossentropy",
                 keras.losses.sparse_categorical_crossentropy,
                 "SparseCategoricalCrossentropy",
                 {"class_name": "SparseCategoricalCrossentropy", "config": {}},
                 keras.losses.SparseCategoricalCrossentropy()):
        manual_seed(0)
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax",
                                                     input_shape=(8,))])
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        results.append(model.fit(x, labels, epochs=3, verbose=0).history)
        assert model._trainer.metrics[0].resolved == "sparse_categorical_accuracy"
    for history in results[1:]:
        np.testing.assert_allclose(history["loss"], results[0]["loss"], rtol=1e-6)
        assert history["accuracy"] == results[0]["accuracy"]


def test_a_loss_object_with_class_weights_weighs_the_samples():
    x, labels = blobs(32, classes=2)
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(8,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                  loss=keras.losses.BinaryCrossentropy())
    p = model.predict(x, verbose=0)[:, 0].astype(np.float64)
    per_sample = -(labels * np.log(p) + (1 - labels) * np.log(1 - p))
    history = model.fit(x, labels, class_weight={1: 3.0}, batch_size=32, verbose=0)
    w = np.where(labels == 1, 3.0, 1.0)
    assert history.history["loss"][0] == pytest.approx((w * per_sample).mean(), rel=1e-5)


def test_a_subclass_of_loss_defines_call_and_trains():
    class Huber(keras.losses.Loss):
        """l = mean of ½e² for |e| ≤ 1, |e| − ½ beyond."""

        def call(self, y_true, y_pred):
            e = abs(y_pred - y_true)  # |e| used directly and through clip: both paths
            small = e.clip(max=1.0)
            return (0.5 * small * small + (e - small)).mean(axis=1)

    loss = Huber()
    assert loss.name == "huber"
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    manual_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=loss)
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 1e-3
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), [[1.0], [-2.0], [0.5]], atol=0.02)
    assert F.mean_squared_error(y, model.predict(x, verbose=0)).item() < 1e-3
