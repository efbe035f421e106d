"""The training engine under both ways of training: the Keras facade's ``fit`` and the
PyTorch-style loop.

Layout (each file one concern)::

    data.py       TensorDataset, DataLoader: mini-batches as one gather per array
    metrics.py           stateful metrics (update_state / result / reset_state), METRICS
    ratio_metrics.py     precision, recall, F1 (confusion counts), R² (running moments)
    callbacks.py         Callback, CallbackList, History, LearningRateScheduler,
                         TerminateOnNaN, CSVLogger
    metric_callbacks.py  EarlyStopping, ModelCheckpoint, ReduceLROnPlateau (watch a monitor)
    progress.py          ProgbarLogger: tqdm bars, Keras's verbose levels 0/1/2
    health.py            Health: dead and saturated units, gradient norms, update ratios
    inputs.py            x, y, sample weights: cast once, checked, split, class weights
    outputs.py           per output: WeightedLoss, loss weight, metrics (multi-task heads)
    engine.py            Trainer: fit / evaluate / predict
    step.py              the tape-free step fit takes when the model is one Function
    last_layer.py        the last layer and loss per problem type; warnings on bad pairs

The internal API a facade builds on (the Keras ``Model.compile/fit`` and the
scikit-learn estimators):

- ``Trainer(model, loss, optimizer, metrics=None, loss_weights=None, seed=None,
  callback_model=None)``; ``trainer.fit(x, y, batch_size, epochs, verbose,
  callbacks, validation_split, validation_data, shuffle, class_weight,
  sample_weight, initial_epoch)`` → History; ``evaluate(x, y, ...,
  return_dict=False)`` → loss, list or dict; ``predict(x, batch_size)`` → NumPy.
  ``loss``: name, callable, or dict/list per output; ``optimizer``: an optimizer
  (bound to the parameters on first use if unbound) or a Keras name.
- Callbacks see ``callback_model`` as ``self.model``; it must carry
  ``stop_training``, ``optimizer``, ``get_weights()``/``set_weights()``, and be the
  Module or hold it as ``.model`` (the Trainer does; the Keras Model, a Module with
  those attributes, passes itself). ``metric_direction(name)`` and ``seed`` are
  optional (EarlyStopping's mode='auto', checkpoint metadata).
- ``metrics.get(identifier)`` → a Metric; ``Metric.configure(loss_name,
  from_logits)`` tells it the loss of its output ('accuracy' resolves with it).
- ``problems.output_for(problem, y)`` → (activation, loss); ``infer_problem(y)``;
  ``check_output(activation, units, loss, from_logits)`` → list of warnings, for
  compile to show.

The PyTorch way needs only :class:`DataLoader`::

    loader = DataLoader((X, y), batch_size=32, shuffle=True, seed=0)
    for epoch in range(5):
        model.train()
        for xb, yb in loader:
            loss = F.sparse_categorical_crossentropy(yb, model(xb))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

from lucidnet.training.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    History,
    LearningRateScheduler,
    TerminateOnNaN,
)
from lucidnet.training.data import DataLoader, TensorDataset
from lucidnet.training.engine import Trainer
from lucidnet.training.health import Health
from lucidnet.training.last_layer import check_output, infer_problem, output_for
from lucidnet.training.metric_callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
from lucidnet.training.metrics import METRICS, Metric
from lucidnet.training.outputs import WeightedLoss
from lucidnet.training.progress import ProgbarLogger
from lucidnet.training.ratio_metrics import F1Score, Precision, R2Score, Recall

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "DataLoader",
    "EarlyStopping",
    "F1Score",
    "Health",
    "History",
    "LearningRateScheduler",
    "METRICS",
    "Metric",
    "ModelCheckpoint",
    "Precision",
    "ProgbarLogger",
    "R2Score",
    "Recall",
    "ReduceLROnPlateau",
    "TensorDataset",
    "TerminateOnNaN",
    "Trainer",
    "WeightedLoss",
    "check_output",
    "infer_problem",
    "output_for",
]
