"""The lecture lab: every claim and figure of the course, measured.

``lucidnet lab [--quick] [--out DIR] [--only SECTION]`` runs :func:`run`. Each section
is also a function here that returns a :class:`~lucidnet.lab.report.Result` (the claim,
whether it held, the numbers, the figures), so tests check the same numbers the report
shows. ``quick=True`` runs small versions (the whole lab in under two minutes).

    report.py        Result, the section registry, run(): report.html + results.json
    experiments.py   imports every section module, in the lectures' order
"""

from lucidnet.lab.report import SECTIONS, Result, run, section  # noqa: F401
