"""lucidnet.sklearn: scikit-learn's estimator checks, its MLP's numbers, its ecosystem."""

import contextlib
import io
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse

sklearn = pytest.importorskip("sklearn")

from sklearn import neural_network as sk_nn  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import lucidnet  # noqa: E402
from lucidnet import activations, backend, nn  # noqa: E402
from lucidnet.errors import UnknownNameError  # noqa: E402
from lucidnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

no_convergence_warning = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


def blobs(n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, rng


# -- scikit-learn's own estimator checks --------------------------------------------
# max_iter=100 is what scikit-learn's test suite gives its own MLPs for these checks
# (sklearn/utils/_test_common/instance_generator.py). After 20 epochs of Adam at
# lr = 1e-3, check_classifiers_train's bar (training accuracy > 0.83 on its blobs) is a
# coin toss of the seed: missed for 6 of 30 seeds by lucidnet, 2 of 30 by scikit-learn
# (mean loss after 20 epochs over 60 seeds: 0.681 vs 0.678); after 100, by none.
# No check is expected to fail.
@no_convergence_warning
@parametrize_with_checks([
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    MLPClassifier(hidden_layer_sizes=(32,), activation="maxout", dropout=0.2, max_iter=100),
])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# -- the same numbers as scikit-learn's MLP -----------------------------------------
def targets(kind, X, rng):
    return {
        "multiclass": rng.integers(0, 3, len(X)),
        "binary": rng.integers(0, 2, len(X)),
        "multilabel": rng.integers(0, 2, (len(X), 3)),
        "regression": X[:, 0] - X[:, 1] ** 2,
        "regression, 2 outputs": X[:, :2] * [1.0, -2.0],
    }[kind]


@no_convergence_warning
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["multiclass", "binary", "multilabel", "regression",
                                  "regression, 2 outputs"])
def test_loss_curve_matches_scikit_learn_from_the_same_weights(kind, solver):
    # the same loss, L2 penalty α/2·Σ‖W‖²/n, momentum/Nesterov and Adam updates as
    # scikit-learn: from the same weights, the same loss curve to float32 precision
    X, rng = blobs()
    y = targets(kind, X, rng)
    Ours, Theirs = (MLPRegressor, sk_nn.MLPRegressor) if "regression" in kind else (
        MLPClassifier, sk_nn.MLPClassifier)
    settings = dict(hidden_layer_sizes=(8, 6), activation="tanh", solver=solver, alpha=0.5,
                    batch_size=25, shuffle=False, learning_rate_init=0.01, max_iter=1,
                    warm_start=True, random_state=0)
    ours, theirs = Ours(**settings).fit(X, y), Theirs(**settings).fit(X, y)
    theirs.coefs_ = [W.astype(np.float64) for W in ours.coefs_]
    theirs.intercepts_ = [b.astype(np.float64) for b in ours.intercepts_]
    ours.set_params(max_iter=10).fit(X, y)
    theirs.set_params(max_iter=10).fit(X, y)
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 11
    # Adam's ε enters at a slightly different place (PyTorch's vs scikit-learn's form)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:],
                               rtol=1e-5 if solver == "adam" else 1e-6)


@no_convergence_warning
@pytest.mark.parametrize("load", [load_iris, load_breast_cancer])
def test_accuracy_comparable_to_scikit_learn(load):
    # scikit-learn's defaults (100 ReLU units, Adam, 200 epochs) after StandardScaler, on
    # three stratified splits; measured: iris 0.947 (scikit-learn) vs 0.942 (lucidnet),
    # breast cancer 0.966 vs 0.971, as means over five splits
    X, y = load(return_X_y=True)
    scores = {"ours": [], "theirs": []}
    for seed in range(3):
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=seed)
        for key, MLP in (("ours", MLPClassifier), ("theirs", sk_nn.MLPClassifier)):
            model = make_pipeline(StandardScaler(), MLP(random_state=seed))
            scores[key].append(model.fit(X_train, y_train).score(X_test, y_test))
    ours, theirs = np.mean(scores["ours"]), np.mean(scores["theirs"])
    assert ours >= theirs - 0.03, scores
    assert ours > 0.9, scores


# -- in the ecosystem -----------------------------------------------------------------
@no_convergence_warning
def test_pipeline_and_grid_search():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), max_iter=30,
                                                         learning_rate_init=0.01, random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-1],
                                 "mlpclassifier__activation": ["relu", "gelu"]}, cv=2)
    search.fit(X, y)
    assert set(search.best_params_) == {"mlpclassifier__alpha", "mlpclassifier__activation"}
    assert search.best_score_ > 0.8
    assert search.predict(X).shape == (150,)
    assert search.best_estimator_[-1].model_ is not None


@no_convergence_warning
def test_regressor_in_pipeline_scores_r2():
    X, rng = blobs(200, 3)
    y = np.column_stack([X @ [1.0, -2.0, 0.5], np.tanh(X[:, 0])])
    reg = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(32,), max_iter=200,
                                                       learning_rate_init=0.01, random_state=0))
    reg.fit(X, y)
    assert reg.predict(X).shape == (200, 2)
    assert reg.score(X, y) > 0.9


# -- every activation, every optimizer ------------------------------------------------
@no_convergence_warning
@pytest.mark.parametrize("activation",
                         activations.names(aliases=True) + ["logistic", "identity", "tanh"])
def test_every_activation_trains(activation):
    X, rng = blobs(40, 4)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    clf = MLPClassifier((8, 6), activation=activation, max_iter=5, random_state=0).fit(X, y)
    reg = MLPRegressor((8,), activation=activation, max_iter=5, random_state=0).fit(X, X[:, 0])
    for est in (clf, reg):
        assert len(est.loss_curve_) == 5 and np.isfinite(est.loss_curve_).all()
    assert clf.predict_proba(X).shape == (40, 3)
    assert np.isfinite(reg.predict(X)).all()


@no_convergence_warning
def test_activation_names_map_to_lucidnet_layers():
    X, rng = blobs(20, 3)
    y = rng.integers(0, 2, 20)
    fit = lambda a: MLPClassifier((4, 5), activation=a, max_iter=1).fit(X, y).model_  # noqa: E731
    assert fit("logistic")[1].activation == "sigmoid"
    assert fit("identity")[1].activation == "linear"
    prelu = fit("prelu")
    assert isinstance(prelu[1], nn.PReLU) and prelu[1].num_parameters == 4
    maxout = fit("maxout")
    assert isinstance(maxout[0], nn.Maxout) and maxout[0].pieces == 2
    assert [W.shape for W in MLPClassifier((4, 5), activation="maxout", max_iter=1).fit(
        X, y).coefs_] == [(3, 8), (4, 10), (5, 1)]


@no_convergence_warning
@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "Adam"])
def test_every_solver_learns(solver):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier((16,), solver=solver, learning_rate_init=0.05, max_iter=40,
                        random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 3
    assert clf.score(X, y) > 0.9


@no_convergence_warning
def test_sgd_learning_rate_schedules():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    inv = MLPClassifier((8,), solver="sgd", learning_rate="invscaling", learning_rate_init=0.1,
                        power_t=0.5, max_iter=3, random_state=0).fit(X, y)
    assert inv._optim.param_groups[0]["lr"] == pytest.approx(0.1 / (inv.t_ + 1) ** 0.5)
    ada = MLPClassifier((8,), solver="sgd", learning_rate="adaptive", learning_rate_init=0.1,
                        tol=10.0, n_iter_no_change=1, max_iter=6, random_state=0).fit(X, y)
    assert ada.n_iter_ == 6  # 'adaptive' divides the rate by 5 instead of stopping
    assert ada._optim.param_groups[0]["lr"] == pytest.approx(0.1 / 5**2)


# -- scikit-learn's semantics -----------------------------------------------------------
def test_convergence_warning_at_max_iter_and_stopping_by_tol():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        clf = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.loss_ == clf.loss_curve_[-1]
    assert clf.t_ == 3 * 150
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        settings = dict(hidden_layer_sizes=(8,), tol=1.0, n_iter_no_change=2, max_iter=50)
        stopped = MLPClassifier(random_state=0, **settings).fit(X, y)
        theirs = sk_nn.MLPClassifier(random_state=0, **settings).fit(X, y)
    # epoch 1 sets best_loss_; epochs 2–4 fail to beat it by tol: more than 2 → stop
    assert stopped.n_iter_ == theirs.n_iter_ == 4
    assert stopped.validation_scores_ is None


@no_convergence_warning
def test_early_stopping_keeps_the_best_validation_score():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier((16,), early_stopping=True, validation_fraction=0.2, n_iter_no_change=3,
                        learning_rate_init=0.05, max_iter=200, random_state=0).fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_loss_ is None
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # the weights kept are those of the best epoch: rescoring its split gives that score
    _, X_val, _, y_val = train_test_split(X, y, test_size=0.2, stratify=y,
                                          random_state=clf._split_seed)
    assert clf.score(X_val, y_val) == clf.best_validation_score_
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


@no_convergence_warning
def test_warm_start_and_partial_fit():
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier((8,), warm_start=True, max_iter=4, random_state=0).fit(X, y)
    first = clf.model_
    clf.fit(X, y)
    assert clf.model_ is first and len(clf.loss_curve_) == 8 and clf.n_iter_ == 4
    with pytest.raises(ValueError, match="warm_start can only be used"):
        clf.fit(X[y < 2], y[y < 2])
    cold = MLPClassifier((8,), max_iter=4, random_state=0).fit(X, y)
    cold.fit(X, y)
    assert len(cold.loss_curve_) == 4

    online = MLPClassifier((8,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        online.partial_fit(X, y)
    online.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    online.partial_fit(X, y)
    assert len(online.loss_curve_) == 2 and list(online.classes_) == [0, 1, 2]
    assert online.predict_proba(X).shape == (150, 3)
    reg = MLPRegressor((8,), random_state=0)
    for _ in range(3):
        reg.partial_fit(X, X[:, 0])
    assert len(reg.loss_curve_) == 3 and reg.loss_curve_[-1] < reg.loss_curve_[0]


@no_convergence_warning
def test_labels_binary_multiclass_multilabel():
    X, rng = blobs(80, 4)
    names = np.array(["cat", "dog", "emu"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    clf = MLPClassifier((16,), max_iter=50, learning_rate_init=0.01, random_state=0).fit(X, names)
    assert list(clf.classes_) == ["cat", "dog", "emu"] and clf.out_activation_ == "softmax"
    assert set(clf.predict(X)) <= set(clf.classes_) and clf.score(X, names) > 0.8
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)))

    yes_no = np.where(X[:, 0] > 0, "yes", "no")
    binary = MLPClassifier((8,), max_iter=50, learning_rate_init=0.01, random_state=0)
    binary.fit(X, yes_no)
    assert binary.n_outputs_ == 1 and binary.out_activation_ == "logistic"
    assert binary.predict_proba(X).shape == (80, 2)
    assert binary.model_[-1].out_features == 1
    np.testing.assert_array_equal(binary.predict(X),
                                  binary.classes_[binary.predict_proba(X).argmax(axis=1)])

    labels = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0]).astype(int)
    multi = MLPClassifier((16,), max_iter=100, learning_rate_init=0.01, random_state=0)
    multi.fit(X, labels)
    assert multi.n_outputs_ == 3 and multi.out_activation_ == "logistic"
    assert multi.predict(X).shape == (80, 3) and multi.predict_proba(X).shape == (80, 3)
    assert multi.score(X, labels) > 0.7  # exact-match accuracy, as scikit-learn's

    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(X, np.zeros(80))


# -- reproducibility, dtypes, inputs ----------------------------------------------------
@no_convergence_warning
def test_random_state_reproduces_without_touching_the_global_generator():
    X, y = load_iris(return_X_y=True)
    settings = dict(hidden_layer_sizes=(8,), dropout=0.3, max_iter=5)
    before = backend.rng().bit_generator.state
    a = MLPClassifier(random_state=3, **settings).fit(X, y)
    assert backend.rng().bit_generator.state == before
    b = MLPClassifier(random_state=3, **settings).fit(X, y)
    c = MLPClassifier(random_state=4, **settings).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_ != c.loss_curve_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    # the same initial weights with or without dropout (a step of 1e-30 changes none)
    start = [MLPClassifier((8,), dropout=p, solver="sgd", learning_rate_init=1e-30, max_iter=1,
                           random_state=3).fit(X, y).coefs_ for p in (0.0, 0.3)]
    for W, W_dropout in zip(*start):
        np.testing.assert_array_equal(W, W_dropout)
    # random_state=None follows lucidnet.manual_seed
    lucidnet.manual_seed(7)
    d = MLPClassifier(**settings).fit(X, y)
    lucidnet.manual_seed(7)
    e = MLPClassifier(**settings).fit(X, y)
    assert d.loss_curve_ == e.loss_curve_
    clone = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(clone.predict_proba(X), a.predict_proba(X))


@no_convergence_warning
def test_compute_dtype_follows_x_as_scikit_learn_and_outputs_take_xs_dtype():
    X, y = load_iris(return_X_y=True)
    X32 = X.astype(np.float32)
    clf = MLPClassifier((8,), max_iter=3, random_state=0).fit(X32, y)
    assert {p.dtype for p in clf.model_.parameters()} == {np.dtype(np.float32)}
    assert clf.coefs_[0].dtype == np.float32
    assert clf.predict_proba(X).dtype == np.float64
    assert clf.predict_proba(X32).dtype == np.float32
    reg = MLPRegressor((8,), max_iter=3, random_state=0).fit(X32, X[:, 0])
    assert reg.predict(X).dtype == np.float64
    assert reg.predict(X32).dtype == np.float32
    wide = MLPRegressor((8,), max_iter=3, random_state=0).fit(X, X[:, 0])
    assert {p.dtype for p in wide.model_.parameters()} == {np.dtype(np.float64)}
    ints = MLPRegressor((8,), max_iter=3, random_state=0).fit(X.astype(int), X[:, 0])
    assert {p.dtype for p in ints.model_.parameters()} == {np.dtype(np.float64)}
    np.testing.assert_allclose(wide.predict(X), reg.predict(X), rtol=1e-4, atol=1e-4)


@no_convergence_warning
def test_sparse_input_gives_the_dense_results():
    X, y = load_iris(return_X_y=True)
    X[X < 1.5] = 0
    dense = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    sparse = MLPClassifier((8,), max_iter=5, random_state=0).fit(scipy.sparse.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(sparse.predict_proba(scipy.sparse.csc_matrix(X)),
                               dense.predict_proba(X), rtol=1e-5, atol=1e-6)


@no_convergence_warning
def test_verbose_prints_scikit_learns_lines():
    X, y = load_iris(return_X_y=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        MLPClassifier((8,), max_iter=2, verbose=True, early_stopping=True,
                      random_state=0).fit(X, y)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Iteration 1, loss = ") and lines[1].startswith("Validation score:")


# -- clear errors -------------------------------------------------------------------------
X_small, y_small = np.eye(4), np.array([0, 1, 0, 1])


def test_unknown_activation_suggests_the_closest():
    with pytest.raises(UnknownNameError, match=r"unknown activation 'rleu'; did you mean 'relu'"):
        MLPClassifier(activation="rleu").fit(X_small, y_small)
    with pytest.raises(UnknownNameError, match="logistic"):
        MLPRegressor(activation="logistc").fit(X_small, y_small)


@pytest.mark.parametrize("params, message", [
    ({"alpha": -0.1}, r"alpha must be in \[0, inf\), got -0.1"),
    ({"alpha": "big"}, "alpha must be a real number"),
    ({"learning_rate_init": 0}, r"learning_rate_init must be in \(0, inf\)"),
    ({"max_iter": 0}, "max_iter must be in"),
    ({"max_iter": 2.5}, "max_iter must be an integer"),
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
    ({"momentum": 1.5}, "momentum must be in"),
    ({"batch_size": 0}, "batch_size must be in"),
    ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes must be positive integers"),
    ({"learning_rate": "fast"}, "learning_rate must be 'constant', 'invscaling' or 'adaptive'"),
    ({"solver": "lbfgs"}, "'lbfgs' is not available"),
    ({"solver": "adm"}, "unknown solver 'adm'; did you mean 'adam'"),
    ({"n_iter_no_change": 0}, "n_iter_no_change must be in"),
])
def test_bad_parameters_raise_at_fit(params, message):
    for Estimator in (MLPClassifier, MLPRegressor):
        estimator = Estimator(**params)  # no work in __init__: the error comes at fit
        with pytest.raises(ValueError, match=message):
            estimator.fit(X_small, y_small)


def test_unfitted_and_wrong_width_inputs():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X_small)
    with pytest.raises(NotFittedError):
        MLPRegressor().coefs_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor(max_iter=2).fit(X_small, y_small)
    with pytest.raises(ValueError, match="4 features"):
        reg.predict(np.eye(3))
