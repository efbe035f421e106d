"""The lab's frame: a section is a function returning a :class:`Result`; ``run`` runs
the chosen sections and writes ``report.html`` (figures embedded as PNG) and
``results.json`` (every number), each atomically.

A section's independent runs (its seeds) go through :func:`seed_runs`, which spreads them
over the engine of ``run(engine=..., jobs=...)`` or of a ``with seeds_on(...):`` block
(:mod:`lucidnet.parallel`); each run seeds itself, so the numbers are the serial ones.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import html
import io
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from lucidnet import parallel
from lucidnet._files import atomic_write

SECTIONS: dict = {}
"""Section key → (title, function(quick) → Result), in the lectures' order."""


_engine = contextvars.ContextVar("lab_engine", default=None)


@contextlib.contextmanager
def seeds_on(engine=None, jobs: int = 1, blas_threads: int | None = None):
    """Context manager: the sections run inside the block spread their seeds over the
    engine ``parallel.get(engine, jobs, blas_threads)``, closed at the end if opened
    here."""
    with parallel.opened(engine, jobs, blas_threads) as runner:
        token = _engine.set(runner)
        try:
            yield runner
        finally:
            _engine.reset(token)


def seed_runs(fn, arguments) -> list:
    """``[fn(*args) for args in arguments]``, on the lab's engine (serial outside
    :func:`seeds_on`). ``fn`` is a module-level function that seeds itself."""
    return parallel.run_all(fn, arguments, _engine.get())


@dataclass
class Result:
    """What one experiment found.

    ``claim``: the lecture's statement; ``held``: whether the measurement supports it;
    ``numbers``: every measured value (JSON-serializable); ``summary``: one paragraph
    saying what was measured, on which data, and how it compares with the claim;
    ``figures``: name → matplotlib Figure; ``not_measured``: why the claim was not
    measured although the section ran (the data it is about were missing and a stand-in
    took their place), empty when it was.
    """

    claim: str
    held: bool
    numbers: dict
    summary: str
    figures: dict = field(default_factory=dict)
    not_measured: str = ""

    @property
    def verdict(self) -> str:
        """'held', 'not held', or 'not measured' (whatever the stand-in gave)."""
        return "not measured" if self.not_measured else "held" if self.held else "not held"


def section(key: str, title: str):
    """Decorator: register ``fn(quick: bool = False) -> Result`` as a lab section."""

    def register(fn):
        if key in SECTIONS:
            raise ValueError(f"lab section {key!r} is registered twice")
        SECTIONS[key] = (title, fn)
        return fn

    return register


def run(out="lab-report", quick: bool = False, only=None, engine=None,
        jobs: int = 1, blas_threads: int | None = None) -> Path:
    """Run the sections (all, or the keys in ``only``), write the report into ``out``
    and return the path of ``report.html``. ``engine``, ``jobs``, ``blas_threads``:
    where the seeds run (:func:`lucidnet.parallel.get`; serial by default)."""
    keys = list(SECTIONS) if not only else [only] if isinstance(only, str) else list(only)
    unknown = [k for k in keys if k not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown lab sections {unknown}; the sections are {list(SECTIONS)}")
    out = Path(out)
    results, timings = {}, {}
    with seeds_on(engine, jobs, blas_threads):
        for key in keys:
            started = time.perf_counter()
            results[key] = SECTIONS[key][1](quick=quick)
            timings[key] = time.perf_counter() - started
            r = results[key]
            print(f"lab {key}: {r.verdict.replace('not held', 'NOT held')} "
                  f"({timings[key]:.1f} s)" + (f": {r.not_measured}" if r.not_measured else ""))
    document = {key: {"title": SECTIONS[key][0], "claim": r.claim, "verdict": r.verdict,
                      "held": None if r.not_measured else bool(r.held),
                      "not_measured": r.not_measured or None,
                      "numbers": _finite(r.numbers), "summary": r.summary,
                      "seconds": round(timings[key], 3)}
                for key, r in results.items()}
    with atomic_write(out / "results.json", "w") as f:
        json.dump({"quick": quick, "sections": document}, f, indent=2)
    with atomic_write(out / "report.html", "w") as f:
        f.write(_html(results, quick))
    return out / "report.html"


def _finite(value):
    """JSON has no NaN or infinity: write them as strings."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if hasattr(value, "tolist"):
        return _finite(value.tolist())
    return value


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _html(results: dict, quick: bool) -> str:
    parts = ["<!doctype html><meta charset='utf-8'><title>lucidnet lab</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
             ".held{color:#080}.failed{color:#b00}.unmeasured{color:#666}"
             "pre{background:#f4f4f4;padding:.5em;"
             "overflow-x:auto}img{max-width:100%}</style>",
             f"<h1>lucidnet lab{' (quick)' if quick else ''}</h1>"]
    for key, r in results.items():
        css = {"held": "held", "not held": "failed", "not measured": "unmeasured"}[r.verdict]
        verdict = f"<span class='{css}'>{r.verdict}</span>"
        parts.append(f"<h2 id='{key}'>{html.escape(SECTIONS[key][0])}: {verdict}</h2>")
        if r.not_measured:
            parts.append(f"<p class='unmeasured'><b>Not measured.</b> "
                         f"{html.escape(r.not_measured)}</p>")
        parts.append(f"<p><b>Claim.</b> {html.escape(r.claim)}</p>")
        parts.append(f"<p><b>Measured.</b> {html.escape(r.summary)}</p>")
        # multi-line texts (a printed trace) read as text, the rest as JSON
        texts = {k: v for k, v in r.numbers.items() if isinstance(v, str) and "\n" in v}
        numbers = json.dumps(_finite({k: v for k, v in r.numbers.items() if k not in texts}),
                             indent=1)
        parts.append(f"<details><summary>numbers</summary><pre>{html.escape(numbers)}"
                     "</pre></details>")
        parts += [f"<pre>{html.escape(text)}</pre>" for text in texts.values()]
        for name, figure in r.figures.items():
            parts.append(f"<figure><img alt='{html.escape(name)}' "
                         f"src='data:image/png;base64,{_png(figure)}'>"
                         f"<figcaption>{html.escape(name)}</figcaption></figure>")
    return "\n".join(parts)
