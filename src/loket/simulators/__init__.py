"""Stand-ins for the outside systems Loket talks to, run as real HTTP servers (demos and tests)."""
