import threading

import pytest
from django.db import connection, transaction

from accord.core.keys import next_number
from accord.projects.tests.factories import ProjectFactory


@pytest.mark.django_db
def test_numbers_count_up_per_project_and_kind() -> None:
    acme, other = ProjectFactory(), ProjectFactory()
    with transaction.atomic():
        assert [next_number(project=acme, kind="R") for _ in range(3)] == [1, 2, 3]
        assert next_number(project=acme, kind="M") == 1
        assert next_number(project=other, kind="R") == 1


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_number_outside_a_transaction() -> None:
    project = ProjectFactory()
    with pytest.raises(RuntimeError):
        next_number(project=project, kind="R")


@pytest.mark.django_db(transaction=True)
def test_concurrent_creators_get_distinct_numbers() -> None:
    project = ProjectFactory()
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                with transaction.atomic():
                    results.append(next_number(project=project, kind="T"))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == list(range(1, 21))
