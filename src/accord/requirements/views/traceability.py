"""Requirement pages: traceability."""
