"""lucidnet.sweep: grid and random search, the result table, Optuna's pruners, and the
same trials on every engine (local processes, Dask with process and thread workers)."""

import json
import sys

import numpy as np
import pytest

import lucidnet as ln
from lucidnet import keras, parallel, sweep
from lucidnet.cli import main, train_spec

joblib = pytest.importorskip("joblib")
threadpoolctl = pytest.importorskip("threadpoolctl")

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 6)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)
SPACE = {"units": [4, 12], "lr": [0.003, 0.03]}


def train(config, callbacks):
    """A small classifier: the sweeps' training function."""
    ln.manual_seed(config["seed"])
    model = keras.Sequential([keras.layers.Dense(config["units"], activation="relu",
                                                 input_shape=(6,)),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(config["lr"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(X, Y, validation_split=0.25, epochs=6, batch_size=16, verbose=0,
                     callbacks=callbacks)


def _same_trials(a, b):
    assert [(t.number, t.params, t.seed, t.status) for t in a.trials] == \
           [(t.number, t.params, t.seed, t.status) for t in b.trials]
    assert [t.history for t in a.trials] == [t.history for t in b.trials]


@pytest.fixture(scope="module")
def serial():
    with threadpoolctl.threadpool_limits(1):
        return sweep.run(train, SPACE, seeds=[0, 1], progress=False)


def test_grid_runs_every_configuration_with_every_seed(serial):
    assert [(t.params, t.seed) for t in serial.trials] == [
        (p, s) for p in sweep.grid(SPACE) for s in (0, 1)]
    assert sweep.grid(SPACE)[1] == {"units": 4, "lr": 0.03}
    assert all(t.status == "complete" and len(t.history["val_loss"]) == 6 for t in serial.trials)
    for t in serial.trials:
        assert t.score == min(t.history["val_loss"])
    assert serial.trials[0].history != serial.trials[1].history  # the seeds differ


def test_every_trial_is_its_configuration_and_seed(serial):
    for t in serial.trials[::3]:
        assert sweep._history_of(train(t.config, [])) == t.history


def test_best_is_the_best_mean_over_seeds(serial):
    means = {}
    for t in serial.trials:
        means.setdefault(json.dumps(t.params), []).append(t.score)
    params, scores = min(means.items(), key=lambda kv: np.mean(kv[1]))
    best = serial.best
    assert best["params"] == json.loads(params) and best["seeds"] == [0, 1]
    assert best["score"] == pytest.approx(np.mean(scores), rel=1e-15)


def test_the_table_csv_json_and_figure(serial, tmp_path):
    rows = serial.table()
    assert rows[0]["trial"] == 0 and rows[0]["units"] == 4 and rows[0]["epochs"] == 6
    assert rows[0]["val_accuracy"] == serial.trials[0].history["val_accuracy"][-1]
    written = serial.save(tmp_path)
    assert [p.name for p in written] == ["trials.csv", "sweep.json", "curves.png"]
    lines = (tmp_path / "trials.csv").read_text().splitlines()
    assert lines[0].startswith("trial,units,lr,seed,status,epochs,seconds,best_val_loss,")
    assert len(lines) == 1 + len(serial.trials)
    document = json.loads((tmp_path / "sweep.json").read_text())
    assert document["best"] == serial.best and len(document["trials"]) == 8
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_random_search_draws_each_configuration_from_its_own_seed():
    space = {"lr": {"log": [1e-4, 1e-1]}, "units": {"int": [2, 64]}, "act": ["relu", "tanh"]}
    five, three = sweep.sample(space, 5, seed=3), sweep.sample(space, 3, seed=3)
    assert five[:3] == three and five != sweep.sample(space, 5, seed=4)
    for config in five:
        assert 1e-4 <= config["lr"] <= 1e-1 and 2 <= config["units"] <= 64
    result = sweep.run(train, {"units": [3, 5], "lr": {"log": [1e-3, 1e-1]}},
                       search="random", trials=2, seeds=[7], progress=False)
    assert [t.params for t in result.trials] == sweep.sample(
        {"units": [3, 5], "lr": {"log": [1e-3, 1e-1]}}, 2, seed=0)


@pytest.mark.parametrize("space, search, words", [
    ({}, "grid", "non-empty dict"),
    ({"lr": 0.1}, "grid", "non-empty list"),
    ({"lr": {"log": [1e-3, 1e-1]}}, "grid", "a grid needs a list"),
    ({"lr": {"exp": [1, 2]}}, "random", "a range is one of"),
    ({"lr": [0.1]}, "bayes", "search must be one of"),
])
def test_bad_spaces_are_refused_clearly(space, search, words):
    with pytest.raises(ValueError, match=words):
        sweep.run(train, space, search=search, trials=2, progress=False)


def test_a_failing_trial_is_recorded_not_raised():
    def fragile(config, callbacks):
        if config["units"] == 12:
            raise ValueError("no twelve")
        return train(config, callbacks)

    result = sweep.run(fragile, SPACE, progress=False)
    statuses = [(t.params["units"], t.status) for t in result.trials]
    assert statuses == [(4, "complete"), (4, "complete"), (12, "failed"), (12, "failed")]
    assert result.trials[2].error == "ValueError: no twelve"
    assert json.loads(result.to_json())["trials"][2]["score"] is None
    assert result.best["params"]["units"] == 4


def test_local_processes_give_the_serial_trials_bit_for_bit(serial):
    _same_trials(serial, sweep.run(train, SPACE, seeds=[0, 1], jobs=2, progress=False))


def test_optuna_prunes_by_successive_halving_and_keeps_each_trial_reproducible():
    pytest.importorskip("optuna")
    space = {"units": {"int": [2, 16]}, "lr": {"log": [1e-3, 1e-1]}}
    result = sweep.run(train, space, search="tpe", trials=10, pruner="halving", jobs=2,
                       seed=1, progress=False)
    statuses = {t.status for t in result.trials}
    assert len(result.trials) == 10 and statuses == {"complete", "pruned"}
    with threadpoolctl.threadpool_limits(1):
        for t in result.trials:
            alone = sweep._history_of(train(t.config, []))
            epochs = len(t.history["val_loss"])
            assert epochs == 6 if t.status == "complete" else epochs < 6
            assert {k: v[:epochs] for k, v in alone.items()} == t.history


def test_an_unknown_pruner_is_refused():
    pytest.importorskip("optuna")
    with pytest.raises(ValueError, match="pruner must be one of"):
        sweep.run(train, SPACE, pruner="asha!", progress=False)


# -- the command line ------------------------------------------------------------------
SPEC = {"train": {"dataset": "iris", "epochs": 3, "hidden": [8], "batch_size": 16},
        "space": {"activation": ["relu", "tanh"], "lr": [0.01]}, "seeds": [0, 1]}


def test_lucidnet_sweep_writes_the_table_and_names_the_best(tmp_path, capsys):
    config = tmp_path / "grid.json"
    config.write_text(json.dumps(SPEC))
    assert main(["sweep", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "4 trials (0 failed); best val_loss:" in out
    document = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert document["best"]["params"]["activation"] in ("relu", "tanh")
    trial = document["trials"][3]
    assert trial["params"] == {"activation": "tanh", "lr": 0.01} and trial["seed"] == 1
    history = train_spec({**SPEC["train"], **trial["params"], "seed": 1}).history
    assert {k: [float(v) for v in vs] for k, vs in history.items()} == trial["history"]


@pytest.mark.parametrize("spec, words", [
    ({"space": {"actvation": ["relu"]}}, "'actvation' is not a flag of lucidnet train"),
    ({"space": {"lr": ["fast"]}}, "lr: expected a number"),
    ({"space": {"lr": [0.1]}, "grid": {}}, "unknown keys ['grid']"),
    ({"train": {"dataset": "iris"}}, "expected an object with a \"space\""),
    ({"train": {"out": "x"}, "space": {"lr": [0.1]}}, "'out' is not a flag"),
    ({"space": {"lr": [0.1]}, "seeds": 3}, "seeds must be a non-empty list of integers, got 3"),
])
def test_sweep_mistakes_are_one_line_and_status_2(tmp_path, capsys, spec, words):
    config = tmp_path / "bad.json"
    config.write_text(json.dumps(spec))
    assert main(["sweep", str(config), "--quiet", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


# -- Dask: a LocalCluster of process workers, and one of thread workers ------------------
@pytest.fixture(scope="module", params=["processes", "threads"])
def dask_client(request):
    distributed = pytest.importorskip("distributed")
    cloudpickle = pytest.importorskip("cloudpickle")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests
    processes = request.param == "processes"
    one_blas_thread = {"env": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}}
    cluster = distributed.LocalCluster(
        n_workers=2 if processes else 1, threads_per_worker=1 if processes else 2,
        processes=processes, dashboard_address=":0", **(one_blas_thread if processes else {}))
    client = distributed.Client(cluster)
    try:
        if not processes:
            with threadpoolctl.threadpool_limits(1):
                yield client
        else:
            yield client
    finally:
        client.close()
        cluster.close()
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_the_cluster_lucidnet_starts_runs_quietly_and_gives_the_serial_trials(serial):
    """engine='dask': lucidnet's own LocalCluster of 2 process workers, without the
    profiler that took the GIL from every trial each 10 ms; shut down after the sweep."""
    pytest.importorskip("distributed")
    import dask
    cloudpickle = pytest.importorskip("cloudpickle")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        with parallel.opened("dask", jobs=2, blas_threads=1) as engine:
            settings = engine.client.run(lambda: {k: dask.config.get(k)
                                                  for k in parallel.QUIET_CLUSTER})
            spread = sweep.run(train, SPACE, seeds=[0, 1], engine=engine, progress=False)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert list(settings.values()) == [parallel.QUIET_CLUSTER] * 2
    assert engine.client.status == "closed"
    _same_trials(serial, spread)


def test_dask_gives_the_serial_trials_bit_for_bit(dask_client, serial):
    _same_trials(serial, sweep.run(train, SPACE, seeds=[0, 1], engine=dask_client,
                                   progress=False))


def test_a_cli_spec_sweep_on_dask_equals_serial(dask_client):
    fixed = SPEC["train"]
    spec_train = _SpecTrain(fixed)
    with threadpoolctl.threadpool_limits(1):
        alone = sweep.run(spec_train, SPEC["space"], seeds=[0, 1], progress=False)
    _same_trials(alone, sweep.run(spec_train, SPEC["space"], seeds=[0, 1],
                                  engine=dask_client, progress=False))


class _SpecTrain:
    def __init__(self, fixed):
        self.fixed = fixed

    def __call__(self, config, callbacks):
        return train_spec({**self.fixed, **config}, callbacks)


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")  # 15 iterations: on purpose
def test_grid_search_cv_on_dasks_joblib_backend_equals_serial(dask_client):
    pytest.importorskip("sklearn")
    from sklearn.model_selection import GridSearchCV

    from lucidnet.sklearn import MLPClassifier

    grid = {"alpha": [1e-4, 1e-2]}
    estimator = MLPClassifier(max_iter=15, random_state=0, batch_size=32)

    def search(n_jobs):
        return GridSearchCV(estimator, grid, cv=2, n_jobs=n_jobs).fit(X, Y).cv_results_

    with threadpoolctl.threadpool_limits(1):
        alone = search(None)
    with joblib.parallel_backend("dask"):
        spread = search(-1)
    for key in ("mean_test_score", "split0_test_score", "split1_test_score", "params"):
        assert list(alone[key]) == list(spread[key])


def test_a_lab_section_on_dask_equals_serial(dask_client):
    from lucidnet.lab import multitask
    from lucidnet.lab.report import seeds_on

    with threadpoolctl.threadpool_limits(1):
        alone = multitask.multitask(quick=True).numbers
    with seeds_on(dask_client):
        spread = multitask.multitask(quick=True).numbers
    assert json.dumps(alone, sort_keys=True, default=str) == \
           json.dumps(spread, sort_keys=True, default=str)
    assert alone["splits"] == 5


def test_lucidnet_lab_jobs_2_writes_the_serial_numbers(tmp_path):
    with threadpoolctl.threadpool_limits(1):
        assert main(["lab", "--quick", "--only", "multitask", "--out", str(tmp_path / "a")]) == 0
    assert main(["lab", "--quick", "--only", "multitask", "--jobs", "2",
                 "--out", str(tmp_path / "b")]) == 0
    numbers = [json.loads((tmp_path / d / "results.json").read_text())["sections"]["multitask"]
               ["numbers"] for d in ("a", "b")]
    assert numbers[0] == numbers[1] and numbers[0]["splits"] == 5


def test_a_metric_that_is_not_logged_is_named_in_the_error():
    result = sweep.run(train, {"units": [3], "lr": [0.01]}, metric="val_auc", mode="max",
                       progress=False)
    with pytest.raises(ValueError, match=r"'val_auc'; the trials logged \['accuracy', 'loss'"):
        result.best
