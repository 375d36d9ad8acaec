"""Demo activity: a small, invented six-month reporting round of 2026 for the demo accounts."""
