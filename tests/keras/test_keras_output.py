"""What the Keras facade prints, line by line against Keras 3.15.1's own output
(``keras3_output/``): summary tables exactly; fit, evaluate and predict at verbose 1
and 2 with their timings and trained values masked; History's keys and params."""

import io
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from lucidnet import keras
from lucidnet.keras import layers

REFERENCE = Path(__file__).parent / "keras3_output" / "stdout-not-a-terminal.txt"
TERMINAL = Path(__file__).parent / "keras3_output" / "terminal-80-columns.raw"


def print_everything():
    """The calls of keras3_output/print_everything.py, after the version line."""
    rng = np.random.default_rng(0)
    x = rng.random((1000, 20)).astype("float32")
    y = (x[:, :3].sum(1) > 1.5).astype("int64")
    m = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(64, activation="relu"),
                          layers.Dense(64, activation="relu"), layers.Dense(2, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    print("== summary()"); m.summary()  # noqa: E702
    print("== fit verbose=1 (stdout not a terminal)")
    h = m.fit(x, y, epochs=2, batch_size=64, validation_split=0.2, verbose=1)
    print("== fit verbose=2")
    m.fit(x, y, epochs=2, batch_size=64, validation_data=(x[:100], y[:100]), verbose=2)
    print("== history keys", list(h.history), "params", h.params)
    print("== evaluate verbose=1"); print(m.evaluate(x, y, verbose=1))  # noqa: E702
    print("== predict verbose=1"); p = m.predict(x[:100], verbose=1); print(p.shape)  # noqa: E702
    a, b = keras.Input(shape=(5,), name="a"), keras.Input(shape=(3,), name="b")
    hh = layers.Dense(8, activation="relu")(layers.Concatenate()([a, b]))
    f = keras.Model(inputs=[a, b], outputs=[layers.Dense(1, name="reg")(hh),
                                            layers.Dense(4, activation="softmax", name="cls")(hh)])
    f.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"],
              metrics=[["mae"], ["accuracy"]])
    print("== functional summary()"); f.summary()  # noqa: E702
    print("== functional fit verbose=2")
    hf = f.fit({"a": rng.random((64, 5)), "b": rng.random((64, 3))},
               [rng.random((64, 1)), rng.integers(0, 4, 64)], epochs=1, verbose=2)
    print("== functional history keys", list(hf.history))
    print("== summary(line_length=60)"); m.summary(line_length=60)  # noqa: E702


def masked(text: str) -> list[str]:
    """Lines with timings and numbers masked and each redrawn bar reduced to its first
    and last state (how many states come between depends on the clock)."""
    text = re.sub(r"\d+(ms|us|s)/step", "T/step", text)
    text = re.sub(r"\x1b\[1m\d+s\x1b\[0m", "\x1b[1mT\x1b[0m", text)  # elapsed or ETA
    text = re.sub(r" - \d+s - ", " - T - ", text)
    text = re.sub(r"-?\d+\.\d+(e[+-]?\d+)?", "X", text)
    text = re.sub(r" *\x08+", "\x08", text)  # backspaces over a width that varies
    text = re.sub(r" +$", "", text, flags=re.M)
    text = text.replace('"functional_1"', '"functional"')  # see the test's docstring
    lines = []
    for line in text.split("\n"):
        states = line.split("\r")
        lines.append("\r".join(states[:2] + states[-1:]) if len(states) > 3 else line)
    return lines


@pytest.fixture
def printed(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # Keras's default table width: columns − 4
    keras.backend.clear_session()
    print_everything()
    return capsys.readouterr()


def test_everything_printed_matches_keras_3_line_by_line(printed):
    """Keras 3 names the first functional model 'functional_1' after a Sequential (which
    builds a functional model inside); lucidnet's is 'functional'."""
    ours = masked(printed.out)
    theirs = masked(REFERENCE.read_bytes().decode("utf-8"))[1:]  # after '== keras 3.15.1'
    assert len(ours) == len(theirs)
    for k, (line, expected) in enumerate(zip(ours, theirs)):
        assert line == expected, f"line {k}"
    assert printed.err == ""  # no note on what 'accuracy' resolved to


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_everything_matches_keras_3_with_its_colours(monkeypatch):
    """The same on an 80-column terminal: bold titles and headers, coloured types,
    shapes and counts (the terminal turned each '\\n' into '\\r\\n')."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", Terminal())
    keras.backend.clear_session()
    print_everything()
    ours = masked(sys.stdout.getvalue())
    raw = TERMINAL.read_bytes().decode("utf-8").replace("\r\n", "\n")
    theirs = masked(raw.removesuffix("\n"))[1:]  # the capture ends with one more newline
    assert len(ours) == len(theirs)
    for k, (line, expected) in enumerate(zip(ours, theirs)):
        assert line == expected, f"line {k}"


def test_summary_tables_are_keras_3s_to_the_character(printed):
    reference = REFERENCE.read_bytes().decode("utf-8")
    tables = re.findall(r'Model: "[^"]*"\n(?:[┏┃┡│├└].*\n)+(?: [^\n]*params: .*\n)+', printed.out)
    assert len(tables) == 3
    for table in tables:
        assert table.replace('"functional"', '"functional_1"') in reference


def test_summary_arguments(capsys):
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, name="hidden"),
                              layers.BatchNormalization(name="norm")])
    lines = []
    model.summary(line_length=70, show_trainable=True, print_fn=lines.append)
    assert capsys.readouterr().out == "" and len(lines) == 1  # Keras: the whole text at once
    text = lines[0].splitlines()
    assert all(len(line) == 70 for line in text[1:-3])
    assert text[2].endswith("┃ Tra… ┃") and text[4].endswith("│  Y   │")
    assert text[-3:] == [" Total params: 27 (108.00 B)", " Trainable params: 21 (84.00 B)",
                         " Non-trainable params: 6 (24.00 B)"]  # moving mean and variance
    model.summary(layer_range=["norm", "norm"])
    assert "hidden" not in capsys.readouterr().out
    outer = keras.Sequential([keras.Input(shape=(4,)), model])
    outer.summary(expand_nested=True)
    assert "   └ hidden (Dense)" in capsys.readouterr().out


def test_the_bar_redraws_at_most_every_interval_and_always_at_the_end(capsys, monkeypatch):
    ticks = iter(1000 + np.arange(1000) / 64)  # 1/64 s per reading of the clock, exactly
    monkeypatch.setattr("lucidnet.keras.progbar.time.time", lambda: float(next(ticks)))
    bar = keras.utils.Progbar(100, interval=4 / 64)
    for step in range(1, 101):
        bar.update(step, [("loss", 1.0 / step)])
    states = capsys.readouterr().out.split("\r")[1:]
    assert len(states) == 25 + 1  # steps 1, 5, 9, ..., 97 (every 4/64 s), then the last
    assert "  5/100" in states[1] and "loss: 0.4567" in states[1]  # mean of 1, 1/2, ..., 1/5
    assert states[-1].endswith("- loss: 0.0100\n")  # the end shows the last value given
