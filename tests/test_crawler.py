"""The crawler: every route of the authorization walk, with its ids, keys and filters swapped
for those of things the persona may not see.

For each route and for a client, an outsider and a team member, the crawler starts from the
walk's URL for that route (its first rule) and puts into every path parameter, one at a time,
the other project's key, the number ACME's internal items share (HIDDEN_NUMBER) and the ids of
hidden rows (the other project's items, comments, criteria, actions, checklist items, time
entries, memberships, invitations; ACME's internal ones; someone else's token and
notification). Then it does the same with every filter of the route: the API view's FilterSet,
or the fields of the page's GET forms, so a new app's routes and filters are crawled without
an entry here. Each answer must not be a server error, must not show a marker the persona may
not see, and must be exactly the answer for an id, number or key nobody has (same status, same
body but for the value asked for): a hidden object answers like an unknown one, and a filter
on it counts and lists the same as a filter on nothing.

The hidden ids name exactly one row of one table (see tests.authorization.add_crawler_world),
so whatever model a parameter means, the only right answer is the unknown one.
"""

from __future__ import annotations

import re
import zlib
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import django_filters
import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import resolve, reverse

from tests.authorization import (
    FORBIDDEN_TEXT,
    HIDDEN_NUMBER,
    UNKNOWN_KEY,
    UNKNOWN_NUMBER,
    UNKNOWN_PK,
    Hidden,
    Route,
    Rule,
    World,
    add_crawler_world,
    body_text,
    build_world,
    describe,
    hidden_keys,
    normalised,
    project_routes,
)
from tests.test_authorization_walk import TABLE, _sign_in

# Pages, templates and visibility rules: the walk's PostgreSQL run covers the database side.
pytestmark = pytest.mark.once

# One persona of each kind: a client, an outsider, a team member.
CRAWLERS = ("carol", "mallory", "bob")
KEY_PARAMS = {"key", "project_key"}
NUMBER_PARAMS = {"number"}
PK_PARAMS = {"pk", "id"}
# Query parameters that page or sort rather than filter.
NOT_FILTERS = {"page", "page_size", "csrfmiddlewaretoken"}
# How many hidden ids each parameter is tried with, per persona: the rows whose names fit the
# parameter first, then others in turn.
IDS_PER_PARAMETER = 3
FILTER_IDS = 2
# Filters that name a person: the outsider's id fits them first.
PEOPLE = {"owner", "assignee", "requester", "requested_by", "actor", "author", "user"}
ROUTES = [route for route in project_routes() if route.name != "admin" and route.name in TABLE]


def _cases() -> list[Any]:
    return [
        pytest.param(route, persona, id=f"{route.name}-{persona}")
        for route in ROUTES
        for persona in CRAWLERS
    ]


@pytest.fixture(scope="module")
def crawl_world(django_db_setup: None, django_db_blocker: Any) -> Any:
    """The walk's world and the crawler's hidden objects, rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        add_crawler_world(world)
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def crawl(crawl_world: World, db: None) -> Any:
    cache.clear()
    return crawl_world


@pytest.mark.parametrize(("route", "persona"), _cases())
def test_hidden_ids_answer_like_unknown_ones(
    route: Route, persona: str, crawl: World, client: Any
) -> None:
    rule = TABLE[route.name][0]
    headers = _sign_in(client, crawl, persona, route)
    base_kwargs = rule.url_kwargs(crawl, persona)
    base_url = reverse(route.name, kwargs=base_kwargs)
    base = client.get(base_url, **headers)
    _assert_nothing_hidden(base, f"GET {base_url} as {persona}", persona, rule, crawl)

    for name in base_kwargs:
        for value, unknown in _path_values(name, route, persona, crawl):
            kwargs = {**base_kwargs, name: value}
            url, unknown_url = (
                reverse(route.name, kwargs=kwargs),
                reverse(route.name, kwargs={**base_kwargs, name: unknown}),
            )
            _compare(client, headers, persona, rule, url, unknown_url, value, unknown, crawl)
        if name in NUMBER_PARAMS:
            # Items everyone in ACME reads that refer to hidden ones (a requirement's parent).
            for item in crawl.references:
                url = reverse(route.name, kwargs={**base_kwargs, name: item.number})
                response = client.get(url, **headers)
                _assert_nothing_hidden(response, f"GET {url} as {persona}", persona, rule, crawl)
        if base.status_code == 404 and name in KEY_PARAMS:
            # The whole project is hidden: everything below it answers the same 404.
            return

    if base.status_code != 200:
        return
    for name in _filters(route, base):
        for value, unknown in _filter_values(name, route, persona, crawl):
            url = f"{base_url}?{urlencode({name: value})}"
            unknown_url = f"{base_url}?{urlencode({name: unknown})}"
            _compare(client, headers, persona, rule, url, unknown_url, value, unknown, crawl)


# Values --------------------------------------------------------------------------------------


def _path_values(name: str, route: Route, persona: str, world: World) -> list[tuple[Any, Any]]:
    """(hidden value, unknown value of the same kind) pairs for one path parameter."""
    if name in KEY_PARAMS:
        # The outsider's other project is its own; everyone in ACME may not see it.
        return [] if persona == "mallory" else [(world.other_project.key, UNKNOWN_KEY)]
    if name in NUMBER_PARAMS:
        # Numbers name items of the project in the URL: ACME's hidden ones are internal.
        return [(HIDDEN_NUMBER, UNKNOWN_NUMBER)] if _sees_internal(persona) is False else []
    if name in PK_PARAMS:
        words = _words_before(route.pattern, name)
        return [(h.pk, UNKNOWN_PK) for h in _hidden_ids(world, persona, words, route.name)]
    return []


def _filter_values(name: str, route: Route, persona: str, world: World) -> list[tuple[str, str]]:
    """Hidden values for a filter: ids of hidden rows, and for whoever may not see ACME's
    internal items their number, alone and as the keys of the kind that fits the filter best
    (R4711, ACME-R4711)."""
    words = {name, "user"} if name in PEOPLE else {name}
    hidden = _hidden_ids(world, persona, words, route.name)
    values = [(str(h.pk), str(UNKNOWN_PK)) for h in hidden[:FILTER_IDS]]
    if _sees_internal(persona) is False:
        values.append((str(HIDDEN_NUMBER), str(UNKNOWN_NUMBER)))
        prefix = min(
            {h.key_prefix for h in world.hidden if h.number == HIDDEN_NUMBER},
            key=lambda prefix: (not _fits(prefix_words(prefix, world), {name}), prefix),
        )
        key = world.project.key
        values.append((f"{prefix}{HIDDEN_NUMBER}", f"{prefix}{UNKNOWN_NUMBER}"))
        values.append((f"{key}-{prefix}{HIDDEN_NUMBER}", f"{key}-{prefix}{UNKNOWN_NUMBER}"))
    return values


def _sees_internal(persona: str) -> bool:
    return persona not in {"anonymous", "mallory", "carol", "dave"}


def _hidden_ids(world: World, persona: str, words: set[str], salt: str) -> list[Hidden]:
    """A few hidden rows for a parameter: those whose model fits its words, then others in a
    turn that differs from route to route, so every row meets many routes."""
    rows = [h for h in world.hidden if persona in h.hidden_from]
    fitting = [h for h in rows if _fits(_model_words(h.model), words)]
    others = [h for h in rows if h not in fitting]
    if others:
        turn = zlib.crc32(salt.encode()) % len(others)
        others = others[turn:] + others[:turn]
    return (fitting[: IDS_PER_PARAMETER - 1] + others)[:IDS_PER_PARAMETER]


def _model_words(model: type) -> set[str]:
    meta = model._meta
    return {meta.model_name, *str(meta.verbose_name).lower().split(),
            *str(meta.verbose_name_plural).lower().split()}  # fmt: skip


def prefix_words(prefix: str, world: World) -> set[str]:
    models = {h.model for h in world.hidden if h.key_prefix == prefix}
    return set().union(*(_model_words(model) for model in models))


def _fits(model_words: set[str], words: set[str]) -> bool:
    """Whether a parameter's words (`criteria`, `time-entries`, `owner`) name the model:
    a shared stem of four letters is enough (criteria ~ criterion, members ~ membership)."""
    stems = {w[:4] for word in words for w in re.split(r"[-_]", word) if len(w) >= 4}
    return any(w[:4] in stems for w in model_words if len(w) >= 4)


def _words_before(pattern: str, name: str) -> set[str]:
    """The literal path segment in front of a parameter (`criteria` for …/criteria/<pk>/)."""
    match = re.search(rf"([\w-]+)/(?:<(?:\w+:)?{name}>|\(\?P<{name}>)", pattern)
    return {match.group(1)} if match else set()


# Filters -------------------------------------------------------------------------------------


TEXT = {"text", "search", "number"}


class _GetForms(HTMLParser):
    """The fields of a page's GET forms that could name an object: text fields, and selects
    with an option that holds a digit (an id or a key); not fixed choices such as a status."""

    def __init__(self) -> None:
        super().__init__()
        self.in_get_form = False
        self.select: str | None = None
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        name = values.get("name")
        if tag == "form":
            self.in_get_form = (values.get("method") or "get").lower() == "get"
        elif not self.in_get_form:
            return
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and re.search(r"\d", values.get("value") or ""):
            self.names.append(self.select)
        elif tag in {"input", "textarea"} and name and values.get("type", "text") in TEXT:
            self.names.append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_get_form = False
        elif tag == "select":
            self.select = None


def _filters(route: Route, response: Any) -> list[str]:
    """A list's filters that could name an object: its API view's FilterSet (and search), or
    its page's GET forms."""
    names: list[str] = []
    view = resolve(response.wsgi_request.path).func
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    filterset = getattr(view_class, "filterset_class", None)
    # A viewset's filters apply to its list, not to one object.
    lists = (getattr(view, "actions", None) or {}).get("get", "list") == "list"
    if filterset is not None and lists:
        names.extend(
            name for name, item in filterset.base_filters.items() if _may_name_objects(item)
        )
    if getattr(view_class, "search_fields", None) and lists:
        names.append("search")
    if response.get("Content-Type", "").startswith("text/html"):
        parser = _GetForms()
        parser.feed(response.content.decode(errors="replace"))
        names.extend(parser.names)
    return [name for name in dict.fromkeys(names) if name not in NOT_FILTERS]


NOT_NAMING = (
    django_filters.BooleanFilter,
    django_filters.DateFilter,
    django_filters.DateTimeFilter,
    django_filters.TimeFilter,
    django_filters.OrderingFilter,
)


def _may_name_objects(item: Any) -> bool:
    """Yes-or-no, date and fixed-choice filters (a status, an ordering) cannot name an object;
    text, number, model and computed-choice filters may."""
    if isinstance(item, NOT_NAMING):
        return False
    if isinstance(item, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter):
        choices = item.extra.get("choices")
        if choices and not callable(choices):
            return any(re.search(r"\d", str(value)) for value, _label in choices)
    return True


# Judging -------------------------------------------------------------------------------------


def _without(text: str, value: Any) -> str:
    """The text with the value asked for (an error or a form may repeat it) blanked out."""
    return re.sub(rf"(?<![\w-]){re.escape(str(value))}(?![\w])", "<value>", text)


def _normalised(response: Any, url: str, value: Any) -> str:
    return _without(normalised(response, url, {}), value)


def _assert_nothing_hidden(
    response: Any, what: str, persona: str, rule: Rule, world: World, asked: Any = None
) -> None:
    """No server error, no marker text and no key of an item the persona may not see (but
    the value it asked for, which a form may repeat)."""
    assert response.status_code < 500, f"{what}: {describe(response)}"
    text = body_text(response)
    if asked is not None:
        text = _without(text, asked)
    for marker in set(FORBIDDEN_TEXT[persona]) - set(rule.reveals):
        assert marker not in text, f"{what} shows “{marker}”, which the persona may not see"
    for key in hidden_keys(world, persona):
        assert not re.search(rf"\b{key}\b", text), f"{what} names {key}, which it may not see"


def _compare(
    client: Any,
    headers: dict[str, str],
    persona: str,
    rule: Rule,
    url: str,
    unknown_url: str,
    value: Any,
    unknown: Any,
    world: World,
) -> None:
    response = client.get(url, **headers)
    _assert_nothing_hidden(response, f"GET {url} as {persona}", persona, rule, world, value)
    other = client.get(unknown_url, **headers)
    assert response.status_code == other.status_code, (
        f"GET {url} as {persona} answers {describe(response)}, but {describe(other)} for "
        f"{unknown_url}: a hidden object must answer like an unknown one"
    )
    assert _normalised(response, url, value) == _normalised(other, unknown_url, unknown), (
        f"GET {url} as {persona} answers differently from {unknown_url}: a hidden object "
        "must answer like an unknown one, and a filter on it count and list the same"
    )
