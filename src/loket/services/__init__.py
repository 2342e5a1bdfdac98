"""Use cases: one function per write, each owning its transaction and its audit row."""
