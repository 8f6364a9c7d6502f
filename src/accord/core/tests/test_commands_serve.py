"""`accord serve` runs the production server on a fresh, migrated data folder."""

from __future__ import annotations

import pytest

from accord.core.tests.processes import accord, free_port, start, stop, wait_for_http


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A production-like data folder: migrated SQLite database and collected static files."""
    path = tmp_path_factory.mktemp("serve-data")
    accord(path, "migrate", "--noinput", "-v0")
    accord(path, "collectstatic", "--noinput", "-v0")
    return path


def test_it_serves_the_sign_in_page_and_stops_on_sigterm(data_dir) -> None:
    port = free_port()
    server = start(
        data_dir, "serve", "--workers", "1", "--access-log", ACCORD_BIND=f"127.0.0.1:{port}"
    )
    try:
        status, body = wait_for_http(f"http://127.0.0.1:{port}/accounts/login/", server)
        css_status, css = wait_for_http(
            f"http://127.0.0.1:{port}/static/accord/css/accord.css", server
        )
    finally:
        code, out, err = stop(server)

    assert status == 200
    assert 'name="password"' in body
    assert "csrfmiddlewaretoken" in body
    assert "/static/accord/css/accord." in body
    assert css_status == 200
    assert css
    assert f"Accord serving on http://127.0.0.1:{port}" in out
    assert "GET /accounts/login/" in out + err
    assert code == 0


def test_bind_option_overrides_the_environment(data_dir) -> None:
    port = free_port()
    server = start(
        data_dir,
        "serve",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        ACCORD_BIND="127.0.0.1:1",
        ACCORD_WORKERS="3",
    )
    try:
        status, _body = wait_for_http(f"http://127.0.0.1:{port}/accounts/login/", server)
    finally:
        code, out, _err = stop(server)

    assert status == 200
    assert "(1 workers" in out
    assert code == 0


def test_it_refuses_to_start_on_an_unmigrated_database(tmp_path) -> None:
    result = accord(tmp_path, "serve", "--bind", f"127.0.0.1:{free_port()}", check=False)

    assert result.returncode == 1
    assert "not up to date" in result.stderr
    assert "accord migrate" in result.stderr


def test_it_refuses_to_start_without_collected_static_files(tmp_path) -> None:
    accord(tmp_path, "migrate", "--noinput", "-v0")

    result = accord(tmp_path, "serve", "--bind", f"127.0.0.1:{free_port()}", check=False)

    assert result.returncode == 1
    assert "accord collectstatic" in result.stderr
