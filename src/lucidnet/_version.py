"""The version of lucidnet (as pyproject.toml), below everything that records it."""

__version__ = "0.1.0"
