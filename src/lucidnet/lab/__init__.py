"""The lecture lab: every claim and figure of the course, measured.

``lucidnet lab [--quick] [--out DIR] [--only SECTION]`` runs :func:`run`. Each section
is also a function here that returns a :class:`~lucidnet.lab.report.Result` (the claim,
whether it held, the numbers, the figures), so tests check the same numbers the report
shows. ``quick=True`` runs small versions (the whole lab in about 30 s on 2 cores).

    report.py        Result, the section registry, run(): report.html + results.json

The section modules are imported here, in the order of the lectures: each registers its
sections as it is defined, and the registration order is the report's order.
"""

from lucidnet.lab.report import SECTIONS, Result, run, section  # noqa: F401
from lucidnet.lab import (  # noqa: E402,F401,I001  (the lectures' order)
    regression,
    depth,
    activations,
    initialization,
    text,
    multitask,
    backprop,
)
