"""Requirement pages: detail."""
