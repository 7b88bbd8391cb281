"""lifting."""
