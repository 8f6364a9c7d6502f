"""Requirement pages: listing."""
