"""training.predictions: what predict prints for each kind of problem."""

import json

import numpy as np

from lucidnet.training.predictions import table, to_csv, to_json


def test_binary_multiclass_multilabel_regression_and_unknown():
    header, rows = table(np.array([[0.2], [0.5], [0.9]]), "binary", ["no", "yes"], proba=True)
    assert header == ["index", "class", "proba_no", "proba_yes"]
    assert [r[:2] for r in rows] == [[0, "no"], [1, "yes"], [1, "yes"]]
    np.testing.assert_allclose([r[2:] for r in rows], [[0.8, 0.2], [0.5, 0.5], [0.1, 0.9]])
    header, rows = table(np.array([[0.1, 0.7, 0.2]]), "multiclass", ["a", "b", "c"])
    assert (header, rows) == (["index", "class"], [[1, "b"]])
    header, rows = table(np.array([[0.6, 0.1, 0.9]]), "multilabel", ["a", "b", "c"])
    assert (header, rows) == (["indices", "classes"], [["0;2", "a;c"]])
    header, rows = table(np.array([[1.5, 2.0]]), "regression", ["weight", "pulse"])
    assert (header, rows) == (["weight", "pulse"], [[1.5, 2.0]])
    header, _ = table(np.array([[1.0, 2.0]]), None)
    assert header == ["output_0", "output_1"]


def test_csv_and_json_and_escaped_names():
    header, rows = table(np.array([[0.9]]), "binary", ["ok", "\x1b[2Jwiped"], proba=True)
    assert header[1] == "class" and rows[0][1] == "\\x1b[2Jwiped"
    text = to_csv(header, rows)
    assert text.splitlines()[0] == "index,class,proba_ok,proba_\\x1b[2Jwiped"
    assert "\x1b" not in text
    assert json.loads(to_json(header, rows))[0]["index"] == 1
