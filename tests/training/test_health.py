"""The Health callback: each measure on a network whose answer is known."""

import math

import numpy as np
import pytest

import lucidnet
from lucidnet import activations, keras, nn, optim
from lucidnet.training import DataLoader
from lucidnet.training.health import Health


def run_loop(model, health, x, y, loss_fn, optimizer, epochs=1, batch_size=None):
    """The PyTorch-style loop with the callback's hooks where its docstring puts them."""
    loader = DataLoader((x, y), batch_size=batch_size or len(x))
    for epoch in range(epochs):
        health.on_epoch_begin(epoch)
        for i, (xb, yb) in enumerate(loader):
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            health.on_train_batch_begin(i)
            optimizer.step()
            health.on_train_batch_end(i)
        health.on_epoch_end(epoch)


def rows(health, epoch=-1):
    last = health.table[-1]["epoch"] if epoch == -1 else epoch
    return {r["layer"]: r for r in health.table if r["epoch"] == last}


def test_thresholds_are_the_activations_facts():
    assert activations.info("sigmoid").saturation_point == 3.0
    assert activations.info("tanh").saturation_point == 3.0
    assert activations.info("relu").dead_below == 0.0
    assert activations.info("leaky_relu").dead_below is None


def test_every_unit_dead(capsys):
    lucidnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
    with lucidnet.no_grad():
        model[0].bias.data[...] = -100.0  # |x W| < 100 for these inputs: every unit off
    x = np.random.default_rng(0).uniform(-1, 1, (64, 5)).astype(np.float32)
    health = Health(x, model=model)
    run_loop(model, health, x, x[:, :1], nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))
    table = rows(health)
    assert table["0"]["dead"] == 1.0 and table["0"]["activation"] == "relu"
    assert table["0"]["grad_norm"] == 0.0 and table["0"]["update_ratio"] == 0.0
    assert table["2"]["dead"] is None and table["2"]["grad_norm"] > 0
    said = capsys.readouterr().out
    assert "layer '0': 100% of relu units dead since epoch 1; try a smaller learning rate" in said
    assert not any("'0': each step" in w for w in health.warnings)  # no gradient, no step


def test_a_known_share_of_saturated_values():
    for name, module in (("sigmoid", nn.Sigmoid()), ("tanh", nn.Tanh())):
        model = nn.Sequential(nn.Linear(1, 2), module, nn.Linear(2, 1))
        with lucidnet.no_grad():
            model[0].weight.data[...] = [[10.0, 0.5]]  # unit 0: |x| = 10, unit 1: |x| = 0.5
            model[0].bias.data[...] = 0.0
        x = np.array([[1.0], [-1.0], [0.9], [-0.9]], dtype=np.float32)
        health = Health(x, model=model, verbose=0)
        run_loop(model, health, x, x, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e-3))
        assert rows(health)["0"]["saturated"] == 0.5, name
        assert rows(health)["0"]["activation"] == name and rows(health)["0"]["dead"] is None
        assert any(f"50% of {name} values saturated" in w for w in health.warnings)
        with lucidnet.no_grad():
            model[0].weight.data[...] = [[10.0, 10.0]]
        health.on_epoch_begin(1)
        health.on_epoch_end(1)  # every value saturated
        assert rows(health)["0"]["saturated"] == 1.0


def test_gradients_vanish_through_twenty_sigmoid_layers():
    lucidnet.manual_seed(0)
    layers = []
    for _ in range(20):
        layers += [nn.Linear(16, 16), nn.Sigmoid()]
    model = nn.Sequential(*layers[:-1])
    x = np.random.default_rng(1).standard_normal((32, 16)).astype(np.float32)
    y = np.random.default_rng(2).standard_normal((32, 16)).astype(np.float32)
    health = Health(x, model=model, verbose=0)
    sgd = optim.SGD(model.parameters(), lr=0.1)
    run_loop(model, health, x, y, nn.MSELoss(), sgd)
    table = rows(health)
    # the norms and update ratios are those of the step, recomputed here from .grad
    for name in ("0", "38"):
        ps = [model[int(name)].weight, model[int(name)].bias]
        grad = math.sqrt(sum(float((p.grad.astype(np.float64) ** 2).sum()) for p in ps))
        theta = math.sqrt(sum(float((p.data.astype(np.float64) ** 2).sum()) for p in ps))
        assert table[name]["grad_norm"] == pytest.approx(grad, rel=1e-5)
        assert table[name]["update_ratio"] == pytest.approx(0.1 * grad / theta, rel=1e-3)
    ratio = table["0"]["grad_norm"] / table["38"]["grad_norm"]
    assert ratio < 1e-6
    assert any(w.startswith("gradients vanish: the first layer's gradient norm is") for w in health.warnings)
    assert table["0"]["activation"] == "sigmoid" and table["38"]["activation"] is None
    model.append(nn.Sigmoid())  # an output σ is not a hidden unit: not counted
    health.on_epoch_end(1)
    assert rows(health)["38"]["activation"] is None
    assert sum(r["activation"] == "sigmoid" for r in table.values()) == 19


def test_keras_fit_keeps_the_table_in_the_history_and_reports_in_100_columns():
    lucidnet.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 10)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = keras.Sequential([keras.Input(shape=(10,)),
                              keras.layers.Dense(8, activation="relu", name="hidden"),
                              keras.layers.Dense(2, activation="softmax", name="out")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    health = Health(x[:50], verbose=0)
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[health])
    assert history.health is health.table and len(health.table) == 3 * 2
    hidden = rows(health)["hidden"]
    assert hidden["activation"] == "relu" and 0 <= hidden["dead"] < 1
    assert 0 < hidden["update_ratio"] < 0.1 and hidden["grad_norm"] > 0
    text = health.report()
    assert text.splitlines()[0] == "Training health after epoch 3" and "hidden" in text
    assert max(map(len, text.splitlines())) <= 100
    figure = health.plot()
    assert [ax.get_title() for ax in figure.axes] == [
        "dead units", "saturated values", "‖∂L/∂θ‖", "‖Δθ‖ / ‖θ‖ per step"]
    assert figure.axes[1].texts[0].get_text() == "no sigmoid or tanh layer"
    assert [len(ax.lines) for ax in figure.axes] == [1, 0, 2, 2]
    assert keras.callbacks.Health is Health


def test_a_nan_is_named_where_it_appears():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with lucidnet.no_grad():
        model[2].weight.data[0, 0] = np.inf
    health = Health(np.ones((4, 2), dtype=np.float32), model=model, verbose=0)
    health.on_epoch_begin(0)
    health.on_epoch_end(0)
    assert any("first appeared in the forward of LinearFunction at epoch 1" in w
               for w in health.warnings)


def test_sparse_probe_inputs_and_bad_arguments():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2))
    x = scipy_sparse.random(10, 6, density=0.3, format="csr", random_state=0, dtype=np.float32)
    health = Health(x, model=model, batch_size=4, verbose=0)
    health.on_epoch_end(0)  # no batch seen: the activations alone
    assert 0 <= rows(health)["0"]["dead"] <= 1 and math.isnan(rows(health)["0"]["grad_norm"])
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
        Health(x, fraction=0)
    with pytest.raises(ValueError, match="update_ratio must be \\(low, high\\)"):
        Health(x, update_ratio=(1.0, 0.1))
    with pytest.raises(ValueError, match="one row per example, got shape \\(3,\\)"):
        Health(np.ones(3))


def test_the_fused_fit_and_the_tape_give_the_same_table():
    """Trainer.fit steps an nn.Sequential without the tape (the Chain); Health reads the
    same gradients and updates there as when every step runs on the tape."""
    from lucidnet.training import Trainer

    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 12)).astype(np.float32)
    y = rng.integers(0, 3, 96)
    tables = []
    for eager in (False, True):
        lucidnet.manual_seed(0)
        model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                              nn.Linear(16, 3), nn.Softmax())
        trainer = Trainer(model, "sparse_categorical_crossentropy", optim.Adam(model.parameters()),
                          seed=0, run_eagerly=eager)
        health = Health(x[:32], verbose=0)
        history = trainer.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[health])
        assert history.health is health.table
        tables.append(health.table)
    assert tables[0] == tables[1]
    last = {r["layer"]: r for r in tables[0] if r["epoch"] == 1}
    assert last["0"]["activation"] == "relu" and last["2"]["activation"] == "tanh"
    assert all(r["grad_norm"] > 0 and r["update_ratio"] > 0 for r in last.values())
