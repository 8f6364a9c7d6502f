"""Milestone progress, burn-up, workload: routes in the "delivery" namespace (included by
urls.py)."""

from django.urls import path  # noqa: F401

K = "<str:key>/tasks"

urlpatterns: list = []
