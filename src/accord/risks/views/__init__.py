"""Risk register pages."""
