"""`accord --help` lists the operator's commands, and each explains its options."""

from __future__ import annotations

import pytest
from django.core.management import load_command_class

from accord.core.tests.processes import accord


def test_help_lists_the_accord_commands(tmp_path) -> None:
    result = accord(tmp_path, "--help")

    commands = {line.strip() for line in result.stdout.splitlines()}
    expected = {"serve", "worker", "demo", "verify", "backup", "restore", "createuser", "migrate"}
    assert expected <= commands


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("serve", "--workers"),
        ("worker", "--batch"),
        ("demo", "--if-empty"),
        ("verify", "--check"),
        ("backup", "--output"),
        ("restore", "archive"),
    ],
)
def test_each_command_explains_itself(name: str, phrase: str) -> None:
    command = load_command_class("accord.core", name)

    text = command.create_parser("accord", name).format_help()

    assert phrase in text
    assert command.help.split()[0] in text
