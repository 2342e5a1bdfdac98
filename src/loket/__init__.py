"""Loket: the passport service of an Indonesian immigration office, end to end."""

__version__ = "0.1.0"
