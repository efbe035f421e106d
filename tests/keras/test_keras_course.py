"""The course's Keras code, unchanged, on Reuters-shaped data: it learns, logs what Keras
logs, prints Keras's summary, and trains exactly as PyTorch does from the same weights."""

import warnings

import numpy as np
import pytest
from kerasdata import reuters_arrays

from lucidnet import keras, manual_seed


def course_model(num_words):
    """The lecture's Reuters network, word for word but for the vocabulary size."""
    model = keras.models.Sequential()
    model.add(keras.layers.Dense(64, activation='relu', input_shape=(num_words,)))
    model.add(keras.layers.Dense(64, activation='relu'))
    model.add(keras.layers.Dense(46, activation='softmax'))
    return model


def test_course_code_learns_reuters_shaped_topics():
    x, y, labels = reuters_arrays(2400)
    x_train, y_train, x_test, y_test = x[:2000], y[:2000], x[2000:], y[2000:]
    manual_seed(0)
    model = course_model(1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # softmax + categorical_crossentropy: no warning
        model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    history = model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=20,
                        batch_size=512, verbose=0)
    h = history.history
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 20 for values in h.values())
    assert history.epoch == list(range(20))
    majority = np.bincount(labels[2000:]).max() / 400  # the best a constant guess scores
    assert majority < 0.06
    assert h["val_accuracy"][-1] > 0.9
    assert h["loss"][-1] < h["loss"][0] / 5
    assert model.history is history
    # the final validation entries are evaluate's values on the final weights
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert model.metrics_names == ["loss", "accuracy"]
    assert loss == pytest.approx(h["val_loss"][-1], rel=1e-6)
    assert accuracy == h["val_accuracy"][-1]
    probabilities = model.predict(x_test, verbose=0)
    assert isinstance(probabilities, np.ndarray) and probabilities.dtype == np.float32
    assert probabilities.shape == (400, 46)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    assert (probabilities.argmax(1) == labels[2000:]).mean() == accuracy


def test_course_code_trains_as_pytorch_does_from_the_same_weights():
    torch = pytest.importorskip("torch")
    x, y, _ = reuters_arrays(1200, seed=1)
    manual_seed(1)
    model = course_model(1000)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss='categorical_crossentropy', metrics=['accuracy'])
    initial = model.get_weights()
    history = model.fit(x, y, epochs=5, batch_size=512, shuffle=False, verbose=0)

    layers = [torch.nn.Linear(1000, 64), torch.nn.Linear(64, 64), torch.nn.Linear(64, 46)]
    with torch.no_grad():
        for layer, kernel, bias in zip(layers, initial[::2], initial[1::2]):
            layer.weight.copy_(torch.from_numpy(kernel.T.copy()))
            layer.bias.copy_(torch.from_numpy(bias))
    net = torch.nn.Sequential(layers[0], torch.nn.ReLU(), layers[1], torch.nn.ReLU(),
                              layers[2], torch.nn.Softmax(dim=1))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    losses = []
    for _ in range(5):
        total = 0.0
        for start in range(0, 1200, 512):
            p = net(X[start:start + 512])
            p = (p / p.sum(1, keepdim=True)).clamp(1e-7, 1 - 1e-7)  # Keras's clipping
            loss = -(Y[start:start + 512] * p.log()).sum(1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(p)
        losses.append(total / 1200)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)
    for ours, layer in zip(model.get_weights()[::2], layers):
        np.testing.assert_allclose(ours, layer.weight.detach().numpy().T, rtol=1e-4, atol=1e-6)


def test_summary_prints_the_parameter_counts_keras_prints():
    model = course_model(10000)
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in text.splitlines() if "(Dense)" in line]
    assert [row[1:] for row in rows] == [["(None, 64)", "640,064"], ["(None, 64)", "4,160"],
                                         ["(None, 46)", "2,990"]]
    assert [row[0] for row in rows] == [f"{layer.name} (Dense)" for layer in model.layers]
    assert "Total params: 647,214 (2.47 MB)" in text
    assert "Trainable params: 647,214 (2.47 MB)" in text
    assert "Non-trainable params: 0 (0.00 B)" in text
    assert model.count_params() == 647_214


def test_course_code_on_a_sparse_multi_hot_matrix_trains_as_on_the_dense_one():
    from kerasdata import reuters_like

    from lucidnet.datasets import to_categorical, vectorize_sequences_sparse

    sequences, labels = reuters_like(600, seed=2)
    x_sparse = vectorize_sequences_sparse(sequences, 1000)
    y = to_categorical(labels, 46)
    histories = []
    for x in (x_sparse, x_sparse.toarray()):
        manual_seed(2)
        model = course_model(1000)
        model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
        histories.append(model.fit(x, y, epochs=3, batch_size=128, verbose=0).history)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-5)
    assert histories[0]["accuracy"] == histories[1]["accuracy"]
