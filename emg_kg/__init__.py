"""emg-kg: a knowledge graph of the UN Environment Management Group progress report (UNEP GC.27).

The version is written once, in pyproject.toml; ``emg_kg.__version__`` reads the installed
metadata on first use (importlib.metadata is not imported on every start).
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("emg-kg")
        except PackageNotFoundError:  # run from a checkout that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
