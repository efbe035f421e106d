#!/usr/bin/env python
"""Accuracy of lucidnet's 64-64 network on R8 and R52 against Keras's, same protocol.

    python benchmarks/r8_r52.py [--corpus r8 r52] [--seeds 0 1 2] [--epochs 20]
                                [--data DIR] [--torch] [--parity] [--out FILE]

The protocol of the Keras reference (shared/data/README.md, Reuters section; Keras
3.15, torch backend, 3 seeds): Cardoso-Cachopo's R8 (5,485 train / 2,189 test
newswires, 8 topics) and R52 (6,532 / 2,568, 52 topics), ``load_data(num_words=10000)``
(Keras's convention: word indices below 10,000, i.e. the 9,997 most frequent words
of the training split), multi-hot rows (CSR: the first layer takes lucidnet's sparse
path), Dense(64)–ReLU–Dense(64)–ReLU–Dense(classes) with ``glorot_uniform`` weights
and zero biases, softmax cross-entropy on the logits, Adam lr 1e-3, batch 512,
20 epochs, the test split as validation data. The score is the test accuracy after
the last epoch, mean over the seeds; Keras: R8 96.5 %, R52 90.7 %.

``--torch`` trains the same network in PyTorch (dense float32 input, the same
initialization and protocol; PyTorch's Adam eps 1e-8 as lucidnet's) beside it.
``--parity`` trains both from the same initial weights on the same batches: what is
left between them is float32 rounding, so a gap between the two ``--torch``
columns is the seeds' luck, not the library.

The files are looked for in ``--data``, else ``$LUCIDNET_R8R52_DIR``, else
``$LUCIDNET_SHARED_DATA/reuters``, else ``~/.lucidnet/datasets/reuters``. Exit
status 1 when a corpus's mean is below Keras's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

#: Keras 3.15 (torch backend), the same network and protocol, mean of 3 seeds.
KERAS = {"r8": 0.965, "r52": 0.907}
NUM_WORDS, BATCH_SIZE, LEARNING_RATE, HIDDEN = 10000, 512, 1e-3, (64, 64)


def data_folder(given: str | None) -> str | None:
    if given:
        return given
    if os.environ.get("LUCIDNET_R8R52_DIR"):
        return os.environ["LUCIDNET_R8R52_DIR"]
    shared = os.environ.get("LUCIDNET_SHARED_DATA")
    if shared and (Path(shared) / "reuters" / "r8-train-all-terms.txt").is_file():
        return str(Path(shared) / "reuters")
    return None  # the loader's own default


def load(corpus: str, folder: str | None):
    from lucidnet.datasets import r8, r52, vectorize_sequences_sparse

    module = {"r8": r8, "r52": r52}[corpus]
    (x_train, y_train), (x_test, y_test) = module.load_data(folder, num_words=NUM_WORDS)
    return (vectorize_sequences_sparse(x_train, NUM_WORDS), y_train,
            vectorize_sequences_sparse(x_test, NUM_WORDS), y_test,
            len(module.get_label_names()))


def run_lucidnet(data, seed: int, epochs: int) -> dict:
    from lucidnet import losses, manual_seed, nn, optim
    from lucidnet.training import Trainer

    x_train, y_train, x_test, y_test, classes = data
    manual_seed(seed)
    layers, width = [], x_train.shape[1]
    for units in HIDDEN:
        layers += [nn.Linear(width, units, weight_init="glorot_uniform", bias_init="zeros"),
                   nn.ReLU()]
        width = units
    layers.append(nn.Linear(width, classes, weight_init="glorot_uniform", bias_init="zeros"))
    model = nn.Sequential(*layers)
    trainer = Trainer(model, losses.get("sparse_categorical_crossentropy", from_logits=True),
                      optim.Adam(model.parameters(), lr=LEARNING_RATE),
                      metrics=["accuracy"], seed=seed)
    started = time.perf_counter()
    history = trainer.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=epochs,
                          validation_data=(x_test, y_test), verbose=0)
    seconds = time.perf_counter() - started
    curve = [float(a) for a in history.history["val_accuracy"]]
    return {"final": curve[-1], "best": max(curve), "curve": curve, "seconds": seconds}


def run_torch(data, seed: int, epochs: int) -> dict:
    import torch

    x_train, y_train, x_test, y_test, classes = data
    xs = torch.from_numpy(x_train.toarray())
    xt = torch.from_numpy(x_test.toarray())
    ys, yt = torch.from_numpy(y_train), torch.from_numpy(y_test)
    torch.manual_seed(seed)
    widths = (xs.shape[1], *HIDDEN, classes)
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        linear = torch.nn.Linear(a, b)
        torch.nn.init.xavier_uniform_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        layers += [linear] + ([torch.nn.ReLU()] if i < len(HIDDEN) else [])
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(seed)
    curve = []
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(xs), generator=generator)
        for i in range(0, len(xs), BATCH_SIZE):
            batch = order[i:i + BATCH_SIZE]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(xs[batch]), ys[batch]).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            curve.append(float((model(xt).argmax(1) == yt).double().mean()))
    seconds = time.perf_counter() - started
    return {"final": curve[-1], "best": max(curve), "curve": curve, "seconds": seconds}


def parity(data, seed: int, epochs: int) -> dict:
    """lucidnet and PyTorch from the same initial weights, on the same batches.

    Whatever separates the two frameworks' scores is then only arithmetic (float32
    rounding in a different order): returns both per-epoch test accuracies and the
    largest weight difference after the last epoch.
    """
    import torch

    from lucidnet import Tensor, losses, nn, optim
    from lucidnet.autograd import no_grad

    x_train, y_train, x_test, y_test, classes = data
    xs, xt = torch.from_numpy(x_train.toarray()), torch.from_numpy(x_test.toarray())
    ys, yt = torch.from_numpy(y_train), torch.from_numpy(y_test)
    torch.manual_seed(seed)
    widths = (xs.shape[1], *HIDDEN, classes)
    t_layers, l_layers = [], []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        t, lin = torch.nn.Linear(a, b), nn.Linear(a, b)
        torch.nn.init.xavier_uniform_(t.weight)
        torch.nn.init.zeros_(t.bias)
        lin.weight.data[...] = t.weight.detach().numpy().T  # lucidnet's W is (in, out)
        lin.bias.data[...] = t.bias.detach().numpy()
        relu = i < len(HIDDEN)
        t_layers += [t] + ([torch.nn.ReLU()] if relu else [])
        l_layers += [lin] + ([nn.ReLU()] if relu else [])
    t_model, l_model = torch.nn.Sequential(*t_layers), nn.Sequential(*l_layers)
    t_opt = torch.optim.Adam(t_model.parameters(), lr=LEARNING_RATE)
    l_opt = optim.Adam(l_model.parameters(), lr=LEARNING_RATE)
    loss = losses.get("sparse_categorical_crossentropy", from_logits=True)
    generator = torch.Generator().manual_seed(seed)
    t_curve, l_curve = [], []
    for _ in range(epochs):
        order = torch.randperm(len(xs), generator=generator)
        for i in range(0, len(xs), BATCH_SIZE):
            batch = order[i:i + BATCH_SIZE]
            t_opt.zero_grad()
            torch.nn.functional.cross_entropy(t_model(xs[batch]), ys[batch]).backward()
            t_opt.step()
            rows = batch.numpy()
            l_opt.zero_grad()
            loss(Tensor(y_train[rows]), l_model(x_train[rows])).backward()
            l_opt.step()
        with torch.no_grad():
            t_curve.append(float((t_model(xt).argmax(1) == yt).double().mean()))
        with no_grad():
            l_curve.append(float((l_model(x_test).data.argmax(1) == y_test).mean()))
    diff = np.concatenate([np.abs(lin.weight.data - t.weight.detach().numpy().T).ravel()
                           for lin, t in zip(l_layers[::2], t_layers[::2])])
    largest = max(float(np.abs(lin.weight.data).max()) for lin in l_layers[::2])
    return {"torch": t_curve, "lucidnet": l_curve,
            "max_abs_weight_difference": float(diff.max()),
            "median_abs_weight_difference": float(np.median(diff)),
            "share_of_weights_differing_by_more_than_1e-4": float((diff > 1e-4).mean()),
            "max_abs_weight": largest}


def summarize(runs: list[dict]) -> dict:
    finals = [r["final"] for r in runs]
    sd = statistics.stdev(finals) if len(finals) > 1 else 0.0
    return {"mean": statistics.fmean(finals), "sd": sd, "se": sd / len(finals) ** 0.5,
            "min": min(finals), "best_epoch_mean": statistics.fmean(r["best"] for r in runs),
            "seconds_per_run": statistics.fmean(r["seconds"] for r in runs),
            "per_seed": finals}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", nargs="+", choices=list(KERAS), default=list(KERAS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--data", help="folder of the r8-/r52-*-all-terms.txt files")
    parser.add_argument("--torch", action="store_true", help="also train it in PyTorch")
    parser.add_argument("--parity", action="store_true",
                        help="also train lucidnet and PyTorch from the same weights on the "
                             "same batches (first seed) and compare them")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (default 1: the products are small; 0 leaves "
                             "the library's default)")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
            threadpool_limits(args.threads, user_api="blas")
        except ImportError:
            pass
        if args.torch or args.parity:
            import torch
            torch.set_num_threads(args.threads)
    folder = data_folder(args.data)
    frameworks = {"lucidnet": run_lucidnet} | ({"torch": run_torch} if args.torch else {})
    report = {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
              "python": platform.python_version(), "numpy": np.__version__,
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
              "protocol": {"hidden": list(HIDDEN), "num_words": NUM_WORDS,
                           "batch_size": BATCH_SIZE, "optimizer": f"Adam lr={LEARNING_RATE}",
                           "epochs": args.epochs, "seeds": args.seeds,
                           "score": "test accuracy after the last epoch, mean over seeds"},
              "keras": KERAS, "results": {}}
    failed = False
    started = time.perf_counter()
    for corpus in args.corpus:
        data = load(corpus, folder)
        report["results"][corpus] = {}
        for name, fn in frameworks.items():
            runs = []
            for seed in args.seeds:
                runs.append(fn(data, seed, args.epochs))
                print(f"{corpus} {name} seed {seed}: {100 * runs[-1]['final']:.2f} % "
                      f"({runs[-1]['seconds']:.1f} s)", flush=True)
            summary = summarize(runs)
            summary["curves"] = [r["curve"] for r in runs]
            summary["reaches_keras"] = summary["mean"] >= KERAS[corpus]
            report["results"][corpus][name] = summary
            if name == "lucidnet" and not summary["reaches_keras"]:
                failed = True
        if args.parity:
            same = parity(data, args.seeds[0], args.epochs)
            report.setdefault("parity", {})[corpus] = same
            agree = sum(a == b for a, b in zip(same["lucidnet"], same["torch"]))
            print(f"{corpus} parity (seed {args.seeds[0]}, same weights and batches): last "
                  f"epoch lucidnet {100 * same['lucidnet'][-1]:.2f} %, torch "
                  f"{100 * same['torch'][-1]:.2f} %; {agree} of {args.epochs} epochs equal; "
                  f"|W_lucidnet − W_torch| max {same['max_abs_weight_difference']:.1e}, "
                  f"median {same['median_abs_weight_difference']:.1e} "
                  f"(largest |W| {same['max_abs_weight']:.2f})",
                  flush=True)
    report["seconds"] = time.perf_counter() - started
    print(f"\n| corpus | framework | test accuracy (mean ± sd, {len(args.seeds)} seeds) | "
          "− Keras (± SE of the mean) | best epoch | Keras | s / run |")
    print("|---|---|---|---|---|---|---|")
    for corpus, by_framework in report["results"].items():
        for name, s in by_framework.items():
            print(f"| {corpus.upper()} | {name} | {100 * s['mean']:.2f} ± {100 * s['sd']:.2f} % | "
                  f"{100 * (s['mean'] - KERAS[corpus]):+.2f} ± {100 * s['se']:.2f} | "
                  f"{100 * s['best_epoch_mean']:.2f} % | {100 * KERAS[corpus]:.1f} % | "
                  f"{s['seconds_per_run']:.1f} |")
    print(f"total {report['seconds']:.0f} s; lucidnet "
          f"{'reaches' if not failed else 'does NOT reach'} Keras on every corpus")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
