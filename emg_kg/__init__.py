"""emg-kg: a knowledge graph of the UN Environment Management Group progress report (UNEP GC.27)."""

__version__ = "0.1.0"
