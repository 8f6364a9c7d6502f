"""Requirement pages: baselines."""
