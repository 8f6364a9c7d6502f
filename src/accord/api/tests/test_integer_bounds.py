"""Integers from outside that no 64-bit column can hold: 400 naming the field in the API, the
form's error on pages, 404 in addresses; never an overflow (a 500)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from accord.api.tests.base import ApiTestCase
from accord.changes.tests.factories import make_change
from accord.core.integers import LARGEST, SMALLEST, IdOrKeywordField, IntegerField
from accord.delivery.tests.factories import make_task
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_action, make_risk

TOO_BIG = (2**63, 2**64)
TOO_SMALL = (-(2**63) - 1,)
OUT_OF_RANGE = (*TOO_BIG, *TOO_SMALL)
ACME = "/api/v1/projects/ACME"


class BoundsWorld(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_requirement(cls.project)
        make_action(make_risk(cls.project))
        make_task(cls.project)
        make_change(cls.project)

    def setUp(self) -> None:
        self.client.raise_request_exception = False
        self.login(self.alice)


class ApiFilterTests(BoundsWorld):
    FILTERS = (
        ("risks", "owner"),
        ("problems", "owner"),
        ("changes", "requested_by"),
        ("audit-records", "actor"),
        ("requirements", "parent"),
        ("tasks", "assignee"),
        ("tasks", "milestone"),
        ("tasks/board", "assignee"),
        ("tasks/board", "milestone"),
    )

    def test_out_of_range_filter_values_are_a_400_naming_the_filter(self) -> None:
        for resource, name in self.FILTERS:
            for value in OUT_OF_RANGE:
                with self.subTest(resource=resource, name=name, value=value):
                    response = self.client.get(f"{ACME}/{resource}/", {name: value})
                    self.assertError(response, 400, field=name)

    def test_the_largest_id_is_still_a_valid_filter(self) -> None:
        for resource, name in self.FILTERS:
            # Filters that also take a keyword take ids of at most 18 digits (their schema's
            # pattern says so); the others any id the database can hold.
            largest = "9" * 18 if resource.startswith("tasks") else LARGEST
            with self.subTest(resource=resource, name=name):
                response = self.client.get(f"{ACME}/{resource}/", {name: largest})
                self.assertEqual(response.status_code, 200, response.content)

    def test_keywords_still_filter_tasks(self) -> None:
        for name, value in (("assignee", "me"), ("assignee", "none"), ("milestone", "none")):
            response = self.client.get(f"{ACME}/tasks/", {name: value})
            self.assertEqual(response.status_code, 200, response.content)


class ApiBodyTests(BoundsWorld):
    def cases(self, value: int) -> list[tuple[str, str, dict[str, Any], str]]:
        change = {"title": "x", "reason": "y"}
        task = {"title": "x"}
        risk = {"title": "x", "probability": 3, "impact": 3}
        return [
            ("post", "changes", {**change, "items": [{"action": "modify", "requirement": value}]},
             "items.0.requirement"),
            ("post", "changes", {**change, "source_risks": [value]}, "source_risks.0"),
            ("post", "changes", {**change, "new_risks": [value]}, "new_risks.0"),
            ("post", "changes", {**change, "schedule": [{"milestone": value, "shift_days": 1}]},
             "schedule.0.milestone"),
            ("post", "tasks", {**task, "assignee": value}, "assignee"),
            ("post", "tasks", {**task, "milestone": value}, "milestone"),
            ("post", "tasks", {**task, "requirements": [value]}, "requirements.0"),
            ("post", "tasks", {**task, "change_requests": [value]}, "change_requests.0"),
            ("post", "tasks", {**task, "problems": [value]}, "problems.0"),
            ("post", "tasks/bulk", {"tasks": [value], "priority": "high"}, "tasks.0"),
            ("post", "tasks/bulk", {"tasks": [1], "assignee": value}, "assignee"),
            ("post", "tasks/bulk", {"tasks": [1], "milestone": value}, "milestone"),
            ("post", "tasks/1/move", {"status": "todo", "before": value}, "before"),
            ("post", "submissions", {"requirements": [value]}, "requirements.0"),
            ("post", "risks", {**risk, "owner": value}, "owner"),
            ("post", "risks/1/actions", {"description": "x", "owner": value}, "owner"),
            ("post", "problems", {"title": "x", "owner": value}, "owner"),
            ("post", "problems", {"title": "x", "risk": value}, "risk"),
            ("post", "problems", {"title": "x", "requirements": [value]}, "requirements.0"),
            ("post", "problems", {"title": "x", "change_requests": [value]},
             "change_requests.0"),
            ("post", "requirements", {"title": "x", "parent": value}, "parent"),
            ("post", "requirements/1/links", {"target": value}, "target"),
            ("put", "change-policy",
             {"require_manager": True, "client_approvals": 1, "decision_days": 5,
              "board": [value]}, "board.0"),
        ]  # fmt: skip

    def test_out_of_range_integers_in_bodies_are_a_400_naming_the_field(self) -> None:
        for value in OUT_OF_RANGE:
            for method, resource, body, field in self.cases(value):
                with self.subTest(resource=resource, field=field, value=value):
                    response = getattr(self.client, method)(
                        f"{ACME}/{resource}/", body, format="json"
                    )
                    self.assertError(response, 400, field=field)

    def test_numbers_sent_as_text_are_checked_the_same_way(self) -> None:
        response = self.client.post(
            f"{ACME}/risks/", {"title": "x", "probability": 3, "impact": 3, "owner": str(2**64)}
        )
        self.assertError(response, 400, field="owner")


@override_settings(DEBUG=False)
class PageTests(BoundsWorld):
    def setUp(self) -> None:
        self.client.raise_request_exception = False
        self.client.force_login(self.alice)

    def test_the_boards_filters_show_the_forms_error(self) -> None:
        for name in ("milestone", "assignee"):
            for value in OUT_OF_RANGE:
                with self.subTest(name=name, value=value):
                    response = self.client.get("/p/ACME/tasks/board/", {name: value})
                    self.assertContains(response, 'class="form-errors"')

    def test_ticked_rows_out_of_range_name_nothing(self) -> None:
        for value in OUT_OF_RANGE:
            with self.subTest(value=value):
                for response in (
                    self.client.get("/p/ACME/requirements/submit/", {"r": value}),
                    self.client.post("/p/ACME/requirements/submit/", {"r": value}),
                    self.client.post("/p/ACME/requirements/bulk/", {"r": [1, value]}),
                    self.client.post("/p/ACME/tasks/bulk/", {"t": [1, value]}),
                ):
                    self.assertLess(response.status_code, 500, response.wsgi_request.path)

    def test_multiple_choices_out_of_range_are_the_forms_error(self) -> None:
        policy = {"client_approvals": 1, "board_approvals": 0, "decision_days": 5}
        change = {"title": "x", "type": "modify_scope", "urgency": "normal", "reason": "y"}
        for value in OUT_OF_RANGE:
            for address, body, name in (
                ("/p/ACME/changes/policy/", {**policy, "board": [value]}, "board"),
                ("/p/ACME/changes/new/", {**change, "source_risks": [value]}, "source_risks"),
                ("/p/ACME/changes/1/assess/", {"new_risks": [value]}, "new_risks"),
            ):
                with self.subTest(address=address, value=value):
                    response = self.client.post(address, body)
                    self.assertEqual(response.status_code, 400)
                    self.assertIn(name, response.context["form"].errors)

    def test_list_pages_filter_without_an_error(self) -> None:
        for path, name in (
            ("risks", "owner"), ("problems", "owner"), ("changes", "requested_by"),
            ("tasks", "assignee"), ("tasks", "milestone"), ("requirements", "parent"),
        ):  # fmt: skip
            for value in OUT_OF_RANGE:
                with self.subTest(path=path, name=name, value=value):
                    response = self.client.get(f"/p/ACME/{path}/", {name: value})
                    self.assertEqual(response.status_code, 200)


def _patterns(entries: list[Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in entries:
        if isinstance(entry, URLResolver):
            found += _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append(prefix + str(entry.pattern))
    return found


# An integer in an address: the `<int64:…>` converter, or digits in a router's pattern.
INTEGER = re.compile(r"<int64:\w+>|\(\?P<\w+>\[0-9\]\+\)")
OTHER = re.compile(r"<str:(?:key|project_key)>|\(\?P<(?:key|project_key)>[^)]*\)")


class AddressTests(BoundsWorld):
    def addresses(self, value: int) -> list[str]:
        """Every address with an integer in it, once per integer: that one out of range, the
        others 1 (an existing item where there is one)."""
        found = []
        for pattern in _patterns(get_resolver().url_patterns):
            if pattern.startswith("admin/"):
                continue
            pattern = OTHER.sub("ACME", pattern.replace("^", "").replace("$", ""))
            pattern = pattern.replace("\\Z", "")
            # The text around the integers, and one integer at a time out of range.
            pieces = INTEGER.split(pattern)
            for target in range(len(pieces) - 1):
                numbers = ["1"] * (len(pieces) - 1)
                numbers[target] = str(value)
                address = pieces[0] + "".join(
                    n + p for n, p in zip(numbers, pieces[1:], strict=True)
                )
                address = re.sub(r"<str:\w+>|\(\?P<\w+>[^)]*\)", "x", address)
                found.append("/" + address)
        return found

    def test_no_address_has_an_integer_without_the_bounded_converter(self) -> None:
        for pattern in _patterns(get_resolver().url_patterns):
            self.assertNotIn("<int:", pattern)

    def test_out_of_range_integers_in_addresses_are_a_404(self) -> None:
        addresses = [a for value in OUT_OF_RANGE for a in self.addresses(value)]
        self.assertGreater(len(addresses), 90)
        for address in addresses:
            for method in ("get", "post", "patch", "put", "delete"):
                with self.subTest(address=address, method=method):
                    response = getattr(self.client, method)(address, {}, format="json")
                    self.assertEqual(response.status_code, 404, response.content[:200])


class FieldTests(ApiTestCase):
    def test_the_form_fields_refuse_what_the_database_cannot_hold(self) -> None:
        field = IntegerField(required=False)
        self.assertEqual(field.clean(str(LARGEST)), LARGEST)
        self.assertEqual(field.clean(str(SMALLEST)), SMALLEST)
        for value in OUT_OF_RANGE:
            with self.assertRaises(ValidationError):
                field.clean(str(value))
        keyword = IdOrKeywordField(keywords=("me",), required=False)
        self.assertEqual(keyword.clean("me"), "me")
        self.assertEqual(keyword.clean("012"), "12")
        for value in (*OUT_OF_RANGE, "x", "-1", " 12", "9" * 19):
            with self.assertRaises(ValidationError):
                keyword.clean(str(value))


# Digits int() refuses: a superscript ("²".isdigit() is true) and more than 4,300 of them.
NOT_NUMBERS = ("2²", "9" * 5000)


@override_settings(DEBUG=False)
class DigitTextTests(BoundsWorld):
    """Text that looks like digits where numbers are searched for or read: never a 500."""

    def test_searches_and_number_parameters_take_any_digits(self) -> None:
        self.client.force_login(self.alice)
        addresses = [
            (f"{ACME}/{resource}/", {"q": f"{prefix}{text}"})
            for resource, prefix in (
                ("changes", "CR"), ("requirements", "R"), ("risks", "K"), ("problems", "P"),
                ("tasks", "T"),
            )
            for text in NOT_NUMBERS
        ] + [
            (f"/p/ACME/{page}/", {"q": f"{prefix}{text}"})
            for page, prefix in (
                ("changes", "CR"), ("requirements", "R"), ("risks", "K"), ("problems", "P"),
                ("tasks", "T"), ("requirements/baselines", "B"),
            )
            for text in NOT_NUMBERS
        ] + [
            (address, {name: text})
            for address, name in (
                (f"{ACME}/requirements/1/diff/", "from"), (f"{ACME}/requirements/1/diff/", "to"),
                (f"{ACME}/baselines/compare/", "from"), (f"{ACME}/baselines/compare/", "to"),
                ("/p/ACME/tasks/new/", "requirement"), ("/p/ACME/tasks/new/", "milestone"),
                ("/p/ACME/changes/new/", "requirement"), ("/p/ACME/requirements/new/", "parent"),
                ("/p/ACME/risks/", "probability"),
            )
            for text in NOT_NUMBERS
        ]  # fmt: skip
        for address, query in addresses:
            with self.subTest(address=address, query=query):
                response = self.client.get(address, query)
                self.assertLess(response.status_code, 500)

    def test_multiple_choices_of_any_digits_are_the_forms_error(self) -> None:
        self.client.force_login(self.alice)
        policy = {"client_approvals": 1, "board_approvals": 0, "decision_days": 5}
        for text in NOT_NUMBERS:
            response = self.client.post("/p/ACME/changes/policy/", {**policy, "board": [text]})
            self.assertEqual(response.status_code, 400)

    def test_a_form_count_of_any_digits_is_no_error(self) -> None:
        self.client.force_login(self.alice)
        for text in NOT_NUMBERS:
            response = self.client.post(
                "/p/ACME/changes/new/", {"more_lines": "1", "items-TOTAL_FORMS": text}
            )
            self.assertLess(response.status_code, 500)
