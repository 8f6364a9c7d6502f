"""Accord's benchmark: `make bench` (or `python -m bench --help`).

It builds a fresh data folder, generates a dataset of the size given on the command line,
serves it with the production server (gunicorn, 2 workers) and drives concurrent load with wrk
over loopback against the endpoints listed in `bench.scenarios`, then compares the figures with
the performance budget of DESIGN.md.
"""
