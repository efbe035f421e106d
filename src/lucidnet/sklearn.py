"""scikit-learn estimators on lucidnet: :class:`MLPClassifier` and :class:`MLPRegressor`.

scikit-learn's names, defaults and semantics (``sklearn.neural_network``), trained by
lucidnet: a stack of :class:`~lucidnet.nn.Linear` layers and activation modules, one
mini-batch loop on :class:`~lucidnet.training.DataLoader` and :mod:`lucidnet.optim`.
They fit, predict and score inside ``Pipeline``, ``GridSearchCV`` and ``clone``.

    MLPClassifier(hidden_layer_sizes=(64,), activation='gelu', dropout=0.1).fit(X, y)

What is the same as scikit-learn's MLP:

- the loss of a mini-batch of n samples is the data loss plus the L2 penalty on the
  weights (not the biases), as scikit-learn defines it::

      L = loss(y, ŷ) + α/2 · Σₗ ‖Wₗ‖² / n

  with loss = the cross-entropy of softmax(o) for several classes, of σ(o) for two
  classes (one output unit), summed over the labels of a multilabel indicator y; for
  the regressor, half the mean squared error. With K > 1 targets scikit-learn reports
  that mean over samples and outputs in ``loss_curve_`` but descends the gradient of
  its sum over the outputs (K times larger); both are reproduced;
- weights and biases start at U(−b, b), b = √(6/(fan_in + fan_out)) (Glorot; 2 instead
  of 6 for 'logistic');
- ``batch_size='auto'`` is min(200, N); ``loss_curve_`` holds each epoch's mean batch
  loss (weighted by batch size); training stops when that loss (or, with
  ``early_stopping``, the validation accuracy or R² on a stratified
  ``validation_fraction`` split) has not improved by ``tol`` for more than
  ``n_iter_no_change`` epochs, and warns with a ``ConvergenceWarning`` when it reaches
  ``max_iter`` first; ``early_stopping`` restores the best weights;
- 'sgd' with ``momentum``/``nesterovs_momentum`` and ``learning_rate`` 'constant',
  'invscaling' or 'adaptive'; 'adam' with ``beta_1``, ``beta_2``, ``epsilon``;
  ``warm_start`` and ``partial_fit``.

What lucidnet adds or changes:

- ``activation``: every name of :func:`lucidnet.activations.names` besides scikit-learn's
  'identity', 'logistic' (= 'sigmoid'), 'tanh' and 'relu'; 'prelu' learns one slope
  per unit, 'maxout' takes the max of 2 linear pieces per unit;
- ``solver``: 'sgd', 'adam' or any other of :func:`lucidnet.optimizers.names`
  ('adamw', 'rmsprop', 'adagrad', with ``learning_rate_init`` and, as scikit-learn's
  'sgd' and 'adam', the rules and other defaults of :mod:`lucidnet.optim`, PyTorch's,
  where Keras's doors take Keras's); 'lbfgs' does not exist here;
- ``dropout``: the drop probability after every hidden activation (0 = none);
- computation in X's dtype at fit, as scikit-learn: float32 for float32 X (lucidnet's
  fast path: cast X with ``X.astype('float32')``), float64 for anything else; later
  inputs are cast to the fitted network's dtype. Predictions come back in X's float
  dtype, float64 for other inputs, as scikit-learn;
- ``random_state`` seeds private generators (init, split, shuffles, dropout masks),
  so fitting draws nothing from the global ones (but for nn.Maxout's constructor,
  whose draw is then replaced); None draws the seed from ``lucidnet.backend.rng()``,
  so ``lucidnet.manual_seed`` makes it reproducible;
- no ``sample_weight``; the fitted network is ``model_`` (a lucidnet Sequential), and
  ``coefs_``/``intercepts_`` are NumPy copies of its weights and biases.

Shapes: X (N, D) dense or SciPy sparse; y (N,) or (N, K) (several outputs or labels).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError as err:  # an optional dependency: name the package to install
    raise ImportError("lucidnet.sklearn needs scikit-learn: pip install scikit-learn "
                      f"(or pip install 'lucidnet[sklearn]'): {err}") from None
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import (check_is_fitted, check_random_state, column_or_1d,
                                      validate_data)

from lucidnet import activations, backend, initializers, nn, optim, optimizers
from lucidnet import functional as F
from lucidnet.autograd import Tensor, no_grad
from lucidnet.errors import unknown_name
from lucidnet.nn.layers import DropoutFunction
from lucidnet.registry import ACTIVATIONS, OPTIMIZERS
from lucidnet.training import DataLoader

__all__ = ["MLPClassifier", "MLPRegressor"]

SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh",
                       "relu": "relu"}
"""scikit-learn's four names → lucidnet's."""

MAXOUT_PIECES = 2
"""Linear pieces per unit of a hidden layer with activation='maxout'."""


def activation_name(activation) -> str:
    """The lucidnet activation for scikit-learn's or lucidnet's name (error: the closest)."""
    if isinstance(activation, str):
        name = SKLEARN_ACTIVATIONS.get(activation, activation)
        if name in ACTIVATIONS:
            return ACTIVATIONS.canonical(name)
    known = set(SKLEARN_ACTIVATIONS) | set(activations.names(aliases=True))
    raise unknown_name("activation", activation, known)


def solver_name(solver) -> str:
    """The canonical lucidnet optimizer name for ``solver``."""
    if solver == "lbfgs":
        raise ValueError("solver='lbfgs' is not available in lucidnet.sklearn, which trains "
                         f"with mini-batch optimizers only: one of {optimizers.names()}")
    if not isinstance(solver, str) or solver not in OPTIMIZERS:
        raise unknown_name("solver", solver, OPTIMIZERS.names(aliases=True))
    return OPTIMIZERS.canonical(solver)


class SeededDropout(nn.Dropout):
    """:class:`~lucidnet.nn.Dropout` whose keep masks come from its own generator
    (seeded from the estimator's ``random_state``), not from ``backend.rng()``."""

    def __init__(self, p: float, seed: int):
        super().__init__(p)
        self.generator = numpy.random.default_rng(seed)

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = self.generator.random(x.shape, dtype=numpy.float32) >= self.p
        return DropoutFunction.apply(x, p=self.p, mask=backend.asarray(keep))


def _number(est, name: str, low: float, high: float = math.inf, low_open=False,
            high_open=True, integer=False):
    """Check parameter ``name`` of ``est`` lies in its interval; return it."""
    value = getattr(est, name)
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or math.isnan(value):
        what = "an integer" if integer else "a real number"
        raise ValueError(f"{type(est).__name__}: {name} must be {what}, got {value!r}")
    if value < low or value > high or (low_open and value == low) or (high_open and value == high):
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{type(est).__name__}: {name} must be in {interval}, got {value!r}")
    return value


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share: parameters, the network, the loop."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, dropout=0.0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout

    # -- parameters ----------------------------------------------------------------
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
                raise ValueError(f"{type(self).__name__}: hidden_layer_sizes must be positive "
                                 f"integers, got {self.hidden_layer_sizes!r}")
        return [int(s) for s in sizes]

    def _check_params(self) -> None:
        activation_name(self.activation)
        solver_name(self.solver)
        _number(self, "alpha", 0)
        _number(self, "learning_rate_init", 0, low_open=True)
        _number(self, "power_t", 0)
        _number(self, "max_iter", 1, integer=True)
        _number(self, "tol", 0)
        _number(self, "momentum", 0, 1)  # lucidnet's SGD needs μ < 1
        _number(self, "validation_fraction", 0, 1)
        _number(self, "beta_1", 0, 1)
        _number(self, "beta_2", 0, 1)
        _number(self, "epsilon", 0, low_open=True)
        _number(self, "dropout", 0, 1)
        if self.n_iter_no_change != math.inf:
            _number(self, "n_iter_no_change", 1, integer=True)
        if self.batch_size != "auto":
            _number(self, "batch_size", 1, integer=True)
        if self.learning_rate not in ("constant", "invscaling", "adaptive"):
            raise ValueError(f"{type(self).__name__}: learning_rate must be 'constant', "
                             f"'invscaling' or 'adaptive', got {self.learning_rate!r}")
        self._hidden_sizes()

    # -- the network -----------------------------------------------------------------
    def _build(self, n_features: int, n_outputs: int, rng: numpy.random.Generator) -> None:
        """model_: [Linear → activation → dropout] per hidden layer, then Linear (logits)."""
        name = activation_name(self.activation)
        factor = 2.0 if name == "sigmoid" else 6.0  # scikit-learn's Glorot bounds
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        layers, self._penalized = [], []
        seeds = rng.integers(2**63, size=(len(sizes) - 1, 3)).tolist()  # W, b, dropout masks
        for i, (fan_in, units) in enumerate(zip(sizes, sizes[1:])):
            # scikit-learn's init: W, b ~ U(−b, b), b = √(factor/(fan_in + fan_out))
            bound = math.sqrt(factor / (fan_in + units))
            weight_init, bias_init = (initializers.RandomUniform(-bound, bound, seed=seed)
                                      for seed in seeds[i][:2])
            hidden = i < len(sizes) - 2
            if hidden and name == "maxout":  # k pieces per unit; its own init is replaced
                layer = nn.Maxout(fan_in, units, MAXOUT_PIECES)
                for p, init in ((layer.weight, weight_init), (layer.bias, bias_init)):
                    p.data[...] = init(p.shape, p.dtype)
                layers.append(layer)
            else:
                layer = nn.Linear(fan_in, units, weight_init=weight_init, bias_init=bias_init)
                layers.append(layer)
                if hidden:
                    layers.append(nn.PReLU(units) if name == "prelu" else nn.Activation(name))
            if hidden and self.dropout:
                layers.append(SeededDropout(self.dropout, seeds[i][2]))
            self._penalized.append(layer)
        self.model_ = nn.Sequential(*layers)
        self.n_layers_ = len(sizes)
        self.n_outputs_ = n_outputs

    def _optimizer(self):
        params = list(self.model_.parameters())
        solver, lr = solver_name(self.solver), float(self.learning_rate_init)
        if solver == "sgd":
            nesterov = bool(self.nesterovs_momentum) and self.momentum > 0
            return optim.SGD(params, lr=lr, momentum=float(self.momentum), nesterov=nesterov)
        if solver == "adam":
            return optim.Adam(params, lr=lr, betas=(float(self.beta_1), float(self.beta_2)),
                              eps=float(self.epsilon))
        # the lucidnet.optim class behind the registry's (Keras's) optimizer: PyTorch's rule
        return getattr(optim, type(optimizers.get(solver)).__name__)(params, lr=lr)

    @property
    def coefs_(self) -> list:
        """The weight matrices W (fan_in, fan_out) of each layer, as NumPy copies."""
        check_is_fitted(self)
        return [backend.to_numpy(layer.weight.data).copy() for layer in self._penalized]

    @property
    def intercepts_(self) -> list:
        """The bias vectors b (fan_out,) of each layer, as NumPy copies."""
        check_is_fitted(self)
        return [backend.to_numpy(layer.bias.data).copy() for layer in self._penalized]

    # -- what each estimator defines -------------------------------------------------
    def _targets(self, y, incremental: bool, reset: bool):
        """y as the loss takes it (class indices (N,), or values per unit (N, K)), and
        the number of output units K."""
        raise NotImplementedError

    def _data_loss(self, y: Tensor, out: Tensor) -> tuple[Tensor, float]:
        """The data term to differentiate and its value as ``loss_curve_`` reports it."""
        raise NotImplementedError

    def _score_arrays(self, X, y) -> float:
        raise NotImplementedError

    # -- fitting ---------------------------------------------------------------------
    def _dtype(self):
        """The fitted network's dtype; before a fit, scikit-learn's choice for X's."""
        model = getattr(self, "model_", None)
        return (numpy.float64, numpy.float32) if model is None else next(model.parameters()).dtype

    def _validate_X(self, X, reset: bool):
        return validate_data(self, X, accept_sparse="csr", dtype=self._dtype(), reset=reset)

    def _seed(self) -> int:
        if self.random_state is None:
            return int(backend.rng().integers(2**63))
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _fit(self, X, y, incremental: bool):
        self._check_params()
        first = not hasattr(self, "model_") or not (self.warm_start or incremental)
        if first and not incremental:  # a first partial_fit has just set the classes
            for attr in ("model_", "classes_", "_label_binarizer", "_optim"):
                self.__dict__.pop(attr, None)
        X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True,
                             y_numeric=not isinstance(self, ClassifierMixin),
                             dtype=self._dtype(), reset=first)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y, n_outputs = self._targets(y, incremental, reset=first)
        if Y.ndim == 2:  # values per output unit (class indices stay integers)
            Y = Y.astype(X.dtype)
        rng = numpy.random.default_rng(self._seed())
        if first:
            with backend.default_dtype(X.dtype):
                self._build(X.shape[1], n_outputs, rng)
            self.n_iter_, self.t_ = 0, 0
            self.loss_curve_, self._no_improvement_count = [], 0
            self.best_loss_ = None if self.early_stopping else math.inf
            self.validation_scores_ = [] if self.early_stopping else None
            self.best_validation_score_ = -math.inf if self.early_stopping else None
        else:
            for layer in self.model_.modules():
                if isinstance(layer, SeededDropout):
                    layer.generator = numpy.random.default_rng(int(rng.integers(2**63)))
        if not incremental or not hasattr(self, "_optim"):
            self._optim = self._optimizer()
        self._train(X, Y, y, rng, incremental)
        return self

    def _split(self, X, Y, y, rng):
        """(X, Y) to train on and (X, y) to score on when early stopping."""
        if not self.early_stopping:
            return X, Y, None, None
        if self.validation_fraction == 0:
            raise ValueError(f"{type(self).__name__}: early_stopping needs "
                             "validation_fraction > 0")
        stratify = y if isinstance(self, ClassifierMixin) and y.ndim == 1 else None
        self._split_seed = int(rng.integers(2**31 - 1))
        X_train, X_val, Y_train, _, _, y_val = train_test_split(
            X, Y, y, test_size=self.validation_fraction, stratify=stratify,
            random_state=self._split_seed)
        if X_val.shape[0] < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")
        return X_train, Y_train, X_val, y_val

    def _train(self, X, Y, y, rng, incremental: bool) -> None:
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        X_train, Y_train, X_val, y_val = self._split(X, Y, y, rng)
        n = X_train.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. "
                              "It is going to be clipped")
            batch_size = min(self.batch_size, n)
        loader = DataLoader((X_train, Y_train), batch_size=batch_size, shuffle=bool(self.shuffle),
                            seed=int(rng.integers(2**63)))
        self._best_state = self.model_.state_dict() if self.early_stopping else None
        model, optimizer, alpha = self.model_, self._optim, float(self.alpha)
        self.n_iter_ = 0
        for epoch in range(self.max_iter):
            model.train()
            loader.set_epoch(epoch)
            total = 0.0
            for xb, yb in loader:
                loss, reported = self._data_loss(yb, model(xb))
                size = xb.shape[0]
                if alpha:
                    squares = [(layer.weight * layer.weight).sum() for layer in self._penalized]
                    penalty = (0.5 * alpha / size) * sum(squares[1:], squares[0])
                    loss = loss + penalty
                    reported += float(penalty.data)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += reported * size
            self.n_iter_ += 1
            self.loss_ = total / n
            self.t_ += n
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            self._update_no_improvement_count(X_val, y_val)
            if self.learning_rate == "invscaling" and solver_name(self.solver) == "sgd":
                self._set_lr(self.learning_rate_init / (self.t_ + 1) ** self.power_t)
            if self._no_improvement_count > self.n_iter_no_change:
                if self._stop():
                    break
                self._no_improvement_count = 0
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                              "reached and the optimization hasn't converged yet.",
                              ConvergenceWarning)
        if self.early_stopping:
            self.model_.load_state_dict(self._best_state)
        model.eval()
        if not all(bool(backend.xp.isfinite(p.data).all()) for p in model.parameters()):
            raise ValueError("Solver produced non-finite parameter weights. The input data may "
                             "contain large values and need to be preprocessed.")

    def _set_lr(self, lr: float) -> None:
        self._optim.lr = float(lr)

    def _stop(self) -> bool:
        """Whether to stop after n_iter_no_change epochs without progress (scikit-learn's
        'adaptive' SGD divides the rate by 5 instead, until it falls below 1e-6)."""
        watched = "Validation score" if self.early_stopping else "Training loss"
        msg = (f"{watched} did not improve more than tol={self.tol:f} for "
               f"{self.n_iter_no_change} consecutive epochs.")
        lr = self._optim.lr
        if self.learning_rate == "adaptive" and solver_name(self.solver) == "sgd":
            if lr > 1e-6:
                self._set_lr(lr / 5)
                if self.verbose:
                    print(msg + f" Setting learning rate to {lr / 5:f}")
                return False
            if self.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        if self.verbose:
            print(msg + " Stopping.")
        return True

    def _update_no_improvement_count(self, X_val, y_val) -> None:
        if self.early_stopping:
            score = self._score_arrays(X_val, y_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_state = self.model_.state_dict()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])

    # -- predicting ------------------------------------------------------------------
    def _forward(self, X):
        """The output layer's values o (N, K) for validated X, without gradients."""
        self.model_.eval()
        with no_grad():
            return self.model_(X)

    @staticmethod
    def _as_output(values, X) -> numpy.ndarray:
        """Host NumPy values in X's float dtype (float64 unless X is float32)."""
        dtype = numpy.float32 if getattr(X, "dtype", None) == numpy.float32 else numpy.float64
        return backend.to_numpy(values).astype(dtype)

    def fit(self, X, y):
        """Train on X (N, D) and y (N,) or (N, K) for up to ``max_iter`` epochs; self."""
        return self._fit(X, y, incremental=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier (scikit-learn's ``MLPClassifier`` on lucidnet).

    Output layer and loss by the kind of y: two classes → 1 unit, σ and binary
    cross-entropy; more → one unit per class, softmax and cross-entropy; a multilabel
    indicator (N, K) → K units, σ and binary cross-entropy per label. Labels may be any
    values scikit-learn sorts (strings too): ``classes_``. See the module docstring for
    the parameters; ``dropout`` is lucidnet's.

    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape          # (2, n_classes)
    """

    def _targets(self, y, incremental: bool, reset: bool):
        if reset:
            if not hasattr(self, "_label_binarizer"):  # partial_fit set it from ``classes``
                self._label_binarizer = LabelBinarizer().fit(y)
                self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental and set(classes) != set(self.classes_):
                raise ValueError("warm_start can only be used where `y` has the same classes as "
                                 f"in the previous call to fit. Previously got {self.classes_}, "
                                 f"`y` has {classes}")
            if len(numpy.setdiff1d(classes, self.classes_)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                                 f"{self.classes_}. 'y' has {classes}.")
        if len(self.classes_) < 2 and self._label_binarizer.y_type_ != "multilabel-indicator":
            raise ValueError(f"MLPClassifier needs samples of at least 2 classes, got one "
                             f"class: {self.classes_[0]!r}")
        Y = self._label_binarizer.transform(y)
        self._kind = self._label_binarizer.y_type_
        if self._kind == "multiclass":
            return Y.argmax(axis=1), Y.shape[1]  # class indices for the sparse loss
        return Y, Y.shape[1]

    def _data_loss(self, y, out):
        if self._kind == "multiclass":
            loss = F.sparse_categorical_crossentropy(y, out, from_logits=True)
        else:
            loss = F.binary_crossentropy(y, out, from_logits=True)  # the mean over the labels
            if out.shape[1] > 1:
                loss = loss * float(out.shape[1])  # scikit-learn sums the labels' losses
        return loss, float(loss.data)

    @property
    def out_activation_(self) -> str:
        """scikit-learn's name of the output activation: 'softmax' or 'logistic'."""
        check_is_fitted(self)
        return "softmax" if self._kind == "multiclass" else "logistic"

    def _proba(self, X):
        out = self._forward(X)
        with no_grad():
            proba = F.softmax(out) if self._kind == "multiclass" else F.sigmoid(out)
        return proba.data

    def _predict_arrays(self, X):
        proba = backend.to_numpy(self._proba(X))
        if self._kind == "multiclass":
            return self.classes_[proba.argmax(axis=1)]
        if self._kind == "multilabel-indicator":
            return (proba > 0.5).astype(int)
        return self.classes_[(proba[:, 0] > 0.5).astype(int)]

    def _score_arrays(self, X, y) -> float:
        return accuracy_score(y, self._predict_arrays(X))

    def predict(self, X):
        """The predicted class of each row of X (N, D): (N,), or (N, K) 0/1 labels."""
        check_is_fitted(self)
        return self._predict_arrays(self._validate_X(X, reset=False))

    def predict_proba(self, X):
        """Class probabilities (N, C) in ``classes_`` order; (N, K) per label for multilabel."""
        check_is_fitted(self)
        X_checked = self._validate_X(X, reset=False)
        proba = self._as_output(self._proba(X_checked), X)
        if self._kind == "binary":
            return numpy.hstack([1 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """ln of :meth:`predict_proba`."""
        return numpy.log(self.predict_proba(X))

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        ``classes`` (all labels of every call) is needed on the first call.
        """
        if not hasattr(self, "classes_"):
            if classes is None and not type_of_target(y).startswith("multilabel"):
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self._label_binarizer = LabelBinarizer().fit(y if classes is None else classes)
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not numpy.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(f"`classes={classes!r}` is not the same as on the first call to "
                             f"partial_fit: {self.classes_!r}")
        return self._fit(X, y, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multilayer perceptron regressor (scikit-learn's ``MLPRegressor`` on lucidnet).

    A linear output layer with one unit per target, trained on half the mean squared
    error; y (N,) or (N, K); ``score`` is R². See the module docstring for the
    parameters; ``dropout`` is lucidnet's.

    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape                # (2,) for a 1-D y
    """

    out_activation_ = "identity"

    def _targets(self, y, incremental: bool, reset: bool):
        if not reset and y.ndim == 2 and y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {y.shape[1]} outputs, this MLPRegressor {self.n_outputs_}")
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return Y, Y.shape[1]

    def _data_loss(self, y, out):
        # scikit-learn reports half the MSE over samples and outputs, and descends the
        # gradient of its sum over the K outputs (the same for K = 1)
        mse = F.mean_squared_error(y, out)
        return mse * (0.5 * out.shape[1]), 0.5 * float(mse.data)

    def _predict_arrays(self, X):
        out = backend.to_numpy(self._forward(X).data)
        return out[:, 0] if out.shape[1] == 1 else out

    def _score_arrays(self, X, y) -> float:
        return r2_score(y, self._predict_arrays(X))

    def predict(self, X):
        """The predicted targets for X (N, D): (N,), or (N, K) for several outputs."""
        check_is_fitted(self)
        return self._as_output(self._predict_arrays(self._validate_X(X, reset=False)), X)

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current weights and optimizer state."""
        return self._fit(X, y, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
