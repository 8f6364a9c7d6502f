"""No answer names or counts an item its reader may not see, through a reference either.

Every field that names another item (a requirement's parent, links, source risks, a change
request's lines, a problem's risk and change requests, baselines, milestones …) and every
filter that takes one goes through the visibility rules: to a client, an internal item and an
item of another project are exactly like an item that does not exist.

The test is generated from what the project declares, so a new app is covered without
editing it:

- every route of the authorization walk's table (tests/test_authorization_walk.py, which fails
  for a route missing from it) that a reader may read is read as both clients and a team
  member, and the answer may not carry the key of any keyed item the reader cannot see (all of
  another project's; for clients, the internal ones of their own) nor any marker text the walk
  forbids the reader;
- every FilterSet of every API viewset in the router is asked, filter by filter, for a hidden
  item (by number, key and id) and for an unknown one: the answers must be the same;
- every filter of the pages' FilterSets (the `filters` modules of the apps) that names an item
  is put on every project page a reader reads, with the same probes: the pages must be the same
  but for the value's own echo.

The world is the walk's (tests.authorization.build_world), plus references from shared items to
hidden ones that the walk does not need: the shared requirement's parent is the internal draft,
and it has an internal child.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from accord.core.models import KeyedItem
from tests.authorization import (
    FORBIDDEN_TEXT,
    REQUIREMENT_INTERNAL_MARKER,
    UNKNOWN_NUMBER,
    World,
    body_text,
    build_world,
    normalised,
)
from tests.test_authorization_walk import TABLE

# Pages, templates and visibility rules: the walk's PostgreSQL run covers the database side.
pytestmark = pytest.mark.once

CLIENTS = ("carol", "dave")
# Readers whose answers are checked: the clients (internal items and the other project's are
# hidden from them) and a team member (the other project's are).
READERS = (*CLIENTS, "bob")
UNKNOWN_PK = 987_654


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The walk's world with references from shared items to hidden ones, rolled back after
    the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        _add_references(world)
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def ready(world: World, db: None) -> World:
    cache.clear()
    return world


def _add_references(world: World) -> None:
    from accord.requirements import services
    from accord.requirements.tests.factories import make_requirement

    alice, project = world.personas.alice, world.project
    shared = world.requirements["shared"]
    # The shared requirement below the internal draft (the defect of issue 10, item 1) …
    services.requirement_update(
        actor=alice, requirement=shared, data={"parent": world.requirements["draft"]}
    )
    # … and above an internal draft of its own.
    world.requirements["hidden_child"] = make_requirement(
        project, title="Internal child of the shared requirement", parent=shared
    )
    # A baselined requirement withdrawn and reinstated: a draft again, internal, with a new
    # wording; the baseline still holds the version the client confirmed.
    agreed = world.requirements["agreed"]
    for step in ("withdraw", "reinstate"):
        agreed.refresh_from_db()
        services.requirement_transition(actor=alice, requirement=agreed, transition=step)
    agreed.refresh_from_db()
    services.requirement_update(
        actor=alice, requirement=agreed, data={"title": f"{REQUIREMENT_INTERNAL_MARKER} reworded"}
    )


# Who sees what ------------------------------------------------------------------------------


def _keyed_models() -> list[type]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, KeyedItem) and not model._meta.abstract
    ]


def _hidden_items(user: Any) -> list[Any]:
    """Every keyed item of every app the user may not see."""
    hidden = []
    for model in _keyed_models():
        visible = model.objects.visible_to(user).values("pk")
        hidden.extend(model.objects.exclude(pk__in=visible).select_related("project"))
    return hidden


def _key_pattern(items: list[Any]) -> re.Pattern[str]:
    """The items' keys and the addresses of their pages: a link names an item as well."""
    keys = sorted({item.key for item in items}, key=len, reverse=True)
    # A key stands alone: ACME-R1 is not found inside ACME-R12.
    names = [r"(?<![\w-])(?:" + "|".join(map(re.escape, keys)) + r")(?!\d)"]
    addresses = sorted({item.get_absolute_url() for item in items}, key=len, reverse=True)
    names.append("|".join(map(re.escape, addresses)))
    return re.compile("|".join(names))


def _leaks(text: str, persona: str, hidden: re.Pattern[str]) -> list[str]:
    found = sorted(set(hidden.findall(text)))
    found += [marker for marker in FORBIDDEN_TEXT[persona] if marker in text]
    return found


# Every readable route -----------------------------------------------------------------------


def _readable(persona: str) -> Iterator[Any]:
    for name, rules in TABLE.items():
        if name == "admin" or name.endswith(("schema", "docs")):
            continue
        for rule in rules:
            expected = rule.get[persona]
            if isinstance(expected, frozenset) and 200 in expected:
                yield pytest.param(
                    name, rule, persona, id=f"{name}[{rule.variant or '-'}]-{persona}"
                )


@pytest.mark.parametrize(
    ("name", "rule", "persona"), [case for persona in READERS for case in _readable(persona)]
)
def test_a_client_reads_no_reference_to_a_hidden_item(
    name: str, rule: Any, persona: str, ready: World, client: Any
) -> None:
    user = ready.users[persona]
    hidden = _key_pattern(_hidden_items(user))
    url = reverse(name, kwargs=rule.url_kwargs(ready, persona)) + rule.query
    if name.startswith("api:"):
        headers = {"HTTP_AUTHORIZATION": f"Token {ready.tokens[persona]}"}
    else:
        client.force_login(user)
        headers = {}
    response = client.get(url, **headers)
    assert response.status_code < 500, f"GET {url} as {persona}: {response.status_code}"
    # An answer may repeat the address asked for (a 404 page does); that names nothing new.
    text = body_text(response).replace(url, "<url>")
    leaks = [leak for leak in _leaks(text, persona, hidden)
             if leak not in rule.reveals]  # fmt: skip
    assert not leaks, f"GET {url} as {persona} names items it may not see: {leaks}"


# Every filter of the API ---------------------------------------------------------------------


def _filtered_lists() -> Iterator[Any]:
    """(route name, filter name, keyed model) for every filter of every API list that names
    an item of a keyed model."""
    from accord.api.urls import router

    for _prefix, viewset, basename in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is None:
            continue
        name = f"api:{basename}-list"
        for filter_name, found in filterset.base_filters.items():
            target = _target(filterset._meta.model, filter_name, found.field_name)
            if target is not None:
                yield pytest.param(name, filter_name, target, id=f"{name}?{filter_name}")


def _target(model: type | None, filter_name: str, field_name: str) -> type | None:
    """The keyed model a filter names items of: the model its field leads to, else the keyed
    model the filter is named after (a filter with a method of its own, e.g. ?milestone=)."""
    from django.core.exceptions import FieldDoesNotExist

    related = None
    with contextlib.suppress(FieldDoesNotExist, AttributeError):  # AttributeError: no model
        related = model._meta.get_field((field_name or filter_name).split("__")[0]).related_model
    if related is None:
        related = next(
            (m for m in _keyed_models() if m._meta.model_name == filter_name.replace("_", "")),
            None,
        )
    return related if related in _keyed_models() else None


def _probes(item: Any, visible: set[int]) -> Iterator[tuple[str, str]]:
    """(hidden, unknown) pairs of the ways a filter may name an item: its number, its key,
    its short key and its id. A value whose number or id is also a visible item's names that
    item (a filter reads ACME-M1 and EVIL-M1 alike as M1 of the project), so it proves nothing
    and is left out."""
    key, prefix = item.project.key, item.KEY_PREFIX
    pairs = [
        (item.number, str(item.number), str(UNKNOWN_NUMBER)),
        (item.number, item.key, f"{key}-{prefix}{UNKNOWN_NUMBER}"),
        (item.number, f"{prefix}{item.number}", f"{prefix}{UNKNOWN_NUMBER}"),
        (item.pk, str(item.pk), str(UNKNOWN_PK)),
    ]
    for value, hidden, unknown in pairs:
        if value not in visible:
            yield hidden, unknown


def _answer(response: Any, value: str) -> tuple[Any, ...]:
    """What a list answer says, without the request's own echo (its links, the value)."""
    if response.status_code != 200:
        return (response.status_code, body_text(response).replace(value, "<value>"))
    body = response.json()
    if isinstance(body, dict) and "results" in body:
        return (200, body.get("count"), body["results"])
    return (200, body)


def test_every_api_filterset_is_walked() -> None:
    """The filter walk found the API's reference filters, so a broken discovery cannot pass
    silently."""
    names = {case.id for case in _filtered_lists()}
    assert "api:project-requirement-list?parent" in names
    assert "api:project-task-list?milestone" in names


@pytest.mark.parametrize(("name", "filter_name", "model"), list(_filtered_lists()))
def test_a_hidden_item_filters_like_an_unknown_one(
    name: str, filter_name: str, model: type, ready: World, client: Any
) -> None:
    rules = TABLE.get(name)
    assert rules, f"{name} is not in the authorization walk's table"
    for persona in READERS:
        rule = next((r for r in rules if r.get[persona] == frozenset({200})), None)
        if rule is None:
            continue  # this reader does not read the list at all
        user = ready.users[persona]
        headers = {"HTTP_AUTHORIZATION": f"Token {ready.tokens[persona]}"}
        base = reverse(name, kwargs=rule.url_kwargs(ready, persona))
        visible = model.objects.visible_to(user)
        seen = set(visible.values_list("number", flat=True)) | set(
            visible.values_list("pk", flat=True)
        )
        for item in model.objects.exclude(pk__in=visible.values("pk")).select_related("project"):
            for value, unknown in _probes(item, seen):
                hidden = client.get(f"{base}?{urlencode({filter_name: value})}", **headers)
                absent = client.get(f"{base}?{urlencode({filter_name: unknown})}", **headers)
                assert hidden.status_code < 500, f"{name}?{filter_name}={value}"
                assert _answer(hidden, value) == _answer(absent, unknown), (
                    f"{name}?{filter_name}={value} as {persona} answers otherwise than for an "
                    f"unknown item: {item.key} shows through the filter"
                )


def test_the_requirements_page_filters_a_hidden_parent_like_an_unknown_one(
    ready: World, client: Any
) -> None:
    """The page's own filter (the API's is walked above): ?parent=R<draft> as a client."""
    draft = ready.requirements["draft"]
    url = reverse("requirements:list", kwargs={"key": "ACME"})
    for persona in CLIENTS:
        client.force_login(ready.users[persona])
        answers = []
        for value in (f"R{draft.number}", f"R{UNKNOWN_NUMBER}"):
            response = client.get(f"{url}?{urlencode({'parent': value})}")
            assert response.status_code == 200
            text = normalised(response, url, {})
            # The page repeats what was typed, in the field and in its links.
            text = text.replace(f'value="{value}"', "<value>").replace(f"parent={value}", "<q>")
            answers.append(text)
        assert answers[0] == answers[1], f"?parent=R{draft.number} as {persona} shows the draft"


# Every filter of the pages ------------------------------------------------------------------


def _page_filters() -> list[tuple[str, type]]:
    """(filter name, keyed model) of every page FilterSet's filters that name an item; the
    pages' filter sets are found as the FilterSet subclasses of the apps' `filters` modules."""
    import importlib

    import django_filters

    for config in apps.get_app_configs():
        if config.name.startswith("accord."):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"{config.name}.filters")
    found: dict[str, type] = {}
    pending = list(django_filters.FilterSet.__subclasses__())
    while pending:
        filterset = pending.pop()
        pending.extend(filterset.__subclasses__())
        module = filterset.__module__
        if not module.startswith("accord.") or ".api" in module:
            continue
        for filter_name, declared in filterset.base_filters.items():
            target = _target(filterset._meta.model, filter_name, declared.field_name)
            if target is not None:
                found[filter_name] = target
    return sorted(found.items(), key=lambda pair: pair[0])


def _project_pages(world: World, persona: str) -> Iterator[tuple[str, Any]]:
    """The pages of a whole project (their address names only the project) the reader reads."""
    for name, rules in TABLE.items():
        if name.startswith("api:") or name == "admin":
            continue
        for rule in rules:
            if rule.query or rule.get[persona] != frozenset({200}):
                continue
            if set(rule.url_kwargs(world, persona)) == {"key"}:
                yield name, rule
                break


def test_every_page_filterset_is_walked() -> None:
    names = dict(_page_filters())
    assert names.get("parent") is not None, "the requirements page's parent filter"


@pytest.mark.parametrize("persona", READERS)
def test_a_hidden_item_filters_a_page_like_an_unknown_one(
    persona: str, ready: World, client: Any
) -> None:
    user = ready.users[persona]
    client.force_login(user)
    for filter_name, model in _page_filters():
        visible = model.objects.visible_to(user)
        seen = set(visible.values_list("number", flat=True)) | set(
            visible.values_list("pk", flat=True)
        )
        hidden_items = model.objects.exclude(pk__in=visible.values("pk")).select_related("project")
        for name, rule in _project_pages(ready, persona):
            url = reverse(name, kwargs=rule.url_kwargs(ready, persona))
            for item in hidden_items:
                for value, unknown in _probes(item, seen):
                    answers = []
                    for probe in (value, unknown):
                        response = client.get(f"{url}?{urlencode({filter_name: probe})}")
                        assert response.status_code < 500, f"{url}?{filter_name}={probe}"
                        text = normalised(response, url, {})
                        # The page repeats what was typed: in its field and in its links,
                        # plain or encoded (the language switch's "next").
                        query = urlencode({filter_name: probe})
                        for echo in (quote(f"?{query}", safe=""), query):
                            text = text.replace(echo, "<value>")
                        text = re.sub(rf'<input[^>]*name="{filter_name}"[^>]*>', "<field>", text)
                        text = re.sub(  # and in the filter form's error ("3 is not one of …")
                            r'<div class="form-errors".*?</div>',
                            lambda m, probe=probe: m.group(0).replace(probe, "<value>"),
                            text,
                            flags=re.S,
                        )
                        answers.append((response.status_code, text))
                    assert answers[0] == answers[1], (
                        f"{url}?{filter_name}={value} as {persona} answers otherwise than for "
                        f"an unknown item: {item.key} shows through the filter"
                    )
