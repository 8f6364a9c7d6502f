"""`accord --help` lists the operator's commands."""

from __future__ import annotations

from accord.core.tests.processes import accord


def test_help_lists_the_accord_commands(tmp_path) -> None:
    result = accord(tmp_path, "--help")

    commands = {line.strip() for line in result.stdout.splitlines()}
    expected = {"serve", "worker", "demo", "verify", "backup", "restore", "createuser", "migrate"}
    assert expected <= commands


def test_each_command_explains_itself(tmp_path) -> None:
    for name, phrase in [
        ("serve", "--workers"),
        ("worker", "--batch"),
        ("demo", "--if-empty"),
        ("verify", "--check"),
        ("backup", "--output"),
        ("restore", "archive"),
    ]:
        result = accord(tmp_path, "help", name)
        assert phrase in result.stdout, name
