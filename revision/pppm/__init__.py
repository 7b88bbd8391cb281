"""pppm."""
