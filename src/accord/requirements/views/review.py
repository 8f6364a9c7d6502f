"""Requirement pages: review."""
