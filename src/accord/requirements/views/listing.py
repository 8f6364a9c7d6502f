"""Requirement pages: the list with its filters and bulk actions, the tree of the hierarchy,
and the create and edit forms.

The list and the tree stay fast with tens of thousands of requirements: one query for the page
of rows (tags through one prefetch), one count for the pager, nothing per row.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import integers
from accord.core.exceptions import ApplicationError
from accord.projects import policies as project_policies
from accord.projects import selectors as project_selectors
from accord.projects.forms import apply_error, refusal_status
from accord.projects.models import Project
from accord.projects.pages import project_context, require
from accord.requirements import policies, selectors, services
from accord.requirements.choices import (
    CLIENT_VISIBLE_STATES,
    Priority,
    RequirementType,
    Status,
)
from accord.requirements.filters import RequirementFilter
from accord.requirements.forms import (
    PARENT_SELECT_LIMIT,
    BulkActionForm,
    CriterionFormSet,
    RequirementForm,
    criteria_initial,
)
from accord.requirements.models import Requirement, Tag

GET_POST = ["GET", "POST"]
# The tree shows at most this many requirements; the list pages through any number.
TREE_LIMIT = 2000
# How the status badge looks in lists: waiting on someone, agreed, or turned down.
STATUS_BADGES = {
    Status.DRAFT: "",
    Status.IN_REVIEW: "badge-info",
    Status.SUBMITTED: "badge-warn",
    Status.RETURNED: "badge-bad",
    Status.CONFIRMED: "badge-ok",
    Status.IMPLEMENTED: "badge-info",
    Status.VERIFIED: "badge-ok",
    Status.ACCEPTED: "badge-ok",
    Status.REJECTED: "badge-bad",
    Status.WITHDRAWN: "",
}
# Only the columns a row shows; descriptions can be long and are not needed here.
ROW_FIELDS = (
    "id", "project_id", "number", "title", "type", "priority", "status", "visibility",
    "changed_since_confirmation", "confirmed_version_id", "parent_id", "updated_at",
)  # fmt: skip


def _context(request: HttpRequest, project: Project) -> dict[str, Any]:
    context = project_context(request, project, "requirements")
    context["can_edit"] = policies.can_edit_requirements(request.user, project)
    context["can_submit"] = policies.can_submit(request.user, project)
    return context


def _filter(request: HttpRequest, project: Project, visible: QuerySet) -> RequirementFilter:
    """The list's filters, offering clients only the tags and states they can meet."""
    internal = project_policies.can_view_internal(request.user, project)
    return RequirementFilter(
        request.GET or None,
        queryset=visible.select_related(None),
        tags=_tag_names(request, project, visible),
        statuses=None if internal else [str(s) for s in CLIENT_VISIBLE_STATES],
    )


def _tag_names(request: HttpRequest, project: Project, visible: QuerySet) -> list[str]:
    """The tags a user can filter by. Clients only learn the tags of requirements they see: a
    tag used only on drafts may name something internal."""
    tags = selectors.tag_choices(project=project)
    if not project_policies.can_view_internal(request.user, project):
        tags = tags.filter(requirements__in=visible.values("pk")).distinct()
    return list(tags.values_list("name", flat=True))


def _label(requirement: Requirement, labels: dict[str, dict[str, str]]) -> Requirement:
    """Display labels looked up once per page: get_FOO_display() is slow on every row."""
    requirement.type_label = labels["type"].get(requirement.type, requirement.type)
    requirement.priority_label = labels["priority"].get(requirement.priority, "")
    requirement.status_label = labels["status"].get(requirement.status, requirement.status)
    requirement.status_badge = STATUS_BADGES.get(requirement.status, "")
    return requirement


def _labels() -> dict[str, dict[str, str]]:
    return {
        "type": dict(RequirementType.choices),
        "priority": dict(Priority.choices),
        "status": dict(Status.choices),
    }


# List ----------------------------------------------------------------------------------------


class _Paginator(Paginator):
    """Counts the filtered rows without the page's join and prefetch."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count_from: QuerySet) -> None:
        super().__init__(object_list, per_page)
        self._count_from = count_from

    @cached_property
    def count(self) -> int:
        return self._count_from.count()


@login_required
def requirement_list(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    visible = selectors.requirement_list(user=request.user, project=project)
    requirement_filter = _filter(request, project, visible)
    filtered = requirement_filter.qs
    rows = (
        filtered.only(*ROW_FIELDS)
        .annotate(confirmed_number=F("confirmed_version__number"))
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("id", "name"), to_attr="tag_list")
        )
    )
    paginator = _Paginator(rows, settings.ACCORD_PAGE_SIZE, count_from=filtered)
    page = paginator.get_page(request.GET.get("page"))
    requirements = _rows(request, project, page.object_list)
    context = _context(request, project)
    context.update(
        filter=requirement_filter,
        page_obj=page,
        requirements=requirements,
        filtered=requirement_filter.is_filtered,
        bulk_form=BulkActionForm(),
    )
    return render(request, "requirements/list.html", context)


def _rows(request: HttpRequest, project: Project, page_rows: Any) -> list[Requirement]:
    """What each row shows, prepared once per page: labels, links, the confirmed version.
    A hundred rows through reverse(), get_FOO_display() and template tags cost more than the
    query that loads them."""
    labels = _labels()
    # Detail pages live under the list's address.
    list_url = reverse("requirements:list", args=[project.key])
    params = request.GET.copy()
    params.pop("tag", None)
    params.pop("page", None)
    tag_base = "?" + (params.urlencode() + "&" if params else "")
    confirmed_title = _("The client confirmed version %(number)s")
    requirements = []
    for requirement in page_rows:
        _label(requirement, labels)
        # Every row is of this project: no join, no query for the key.
        requirement.project = project
        requirement.url = f"{list_url}{requirement.number}/"
        requirement.tag_links = [
            (tag.name, tag_base + urlencode({"tag": tag.name})) for tag in requirement.tag_list
        ]
        if requirement.confirmed_number:
            requirement.confirmed_title = confirmed_title % {"number": requirement.confirmed_number}
        requirements.append(requirement)
    return requirements


@login_required
@require_POST
def requirement_bulk(request: HttpRequest, key: str) -> HttpResponse:
    """Tag or untag the selected requirements, or take them to the submission page."""
    project = project_selectors.project_get(user=request.user, key=key)
    require(policies.can_edit_requirements(request.user, project))
    back = _back_to_list(request, project)
    numbers = _selected_numbers(request)
    if not numbers:
        messages.error(request, _("Select at least one requirement first. Nothing was changed."))
        return redirect(back)
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    action = form.cleaned_data["action"]
    if action == BulkActionForm.SUBMIT:
        require(policies.can_submit(request.user, project))
        query = urlencode([("r", number) for number in numbers])
        return redirect(reverse("requirements:submit", args=[project.key]) + "?" + query)
    requirements = list(
        selectors.requirement_list(user=request.user, project=project).filter(number__in=numbers)
    )
    if not requirements:
        messages.error(request, _("None of the selected requirements exist any more."))
        return redirect(back)
    tag = form.cleaned_data["tag"]
    adding = action == BulkActionForm.ADD_TAG
    try:
        changed = services.requirements_tag(
            actor=request.user,
            project=project,
            requirements=requirements,
            add=[tag] if adding else [],
            remove=[] if adding else [tag],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if adding:
        message = _("Tag “%(tag)s” added to %(count)d of %(total)d selected requirements.")
    else:
        message = _("Tag “%(tag)s” removed from %(count)d of %(total)d selected requirements.")
    messages.success(request, message % {"tag": tag, "count": changed, "total": len(numbers)})
    return redirect(back)


def _selected_numbers(request: HttpRequest) -> list[int]:
    """The ticked rows; "select all on page" works without JavaScript through the page's
    list of numbers."""
    raw = request.POST.getlist("r")
    if request.POST.get("all"):
        raw += request.POST.getlist("page_r")
    return integers.numbers_in(raw)[: settings.ACCORD_PAGE_SIZE * 4]


def _back_to_list(request: HttpRequest, project: Project) -> str:
    list_url = reverse("requirements:list", args=[project.key])
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith(list_url) else list_url


# Tree ----------------------------------------------------------------------------------------


@login_required
def requirement_tree(request: HttpRequest, key: str) -> HttpResponse:
    """The hierarchy of the visible requirements. A requirement whose parent the user cannot
    see (or that fell outside the filter) stands at the top."""
    project = project_selectors.project_get(user=request.user, key=key)
    visible = selectors.requirement_list(user=request.user, project=project)
    requirement_filter = _filter(request, project, visible)
    nodes = list(
        requirement_filter.qs.order_by("number").values(
            "id", "parent_id", "number", "title", "status"
        )[: TREE_LIMIT + 1]
    )
    truncated = len(nodes) > TREE_LIMIT
    nodes = nodes[:TREE_LIMIT]
    context = _context(request, project)
    context.update(
        filter=requirement_filter,
        filtered=requirement_filter.is_filtered,
        tree_html=_tree_html(nodes, project),
        node_count=len(nodes),
        truncated=truncated,
        tree_limit=TREE_LIMIT,
        list_query=request.GET.urlencode(),
    )
    return render(request, "requirements/tree.html", context)


def _tree_html(nodes: list[dict[str, Any]], project: Project) -> SafeString:
    """The tree as nested lists. Built here rather than by a recursive template: two thousand
    nodes through template tags take longer than everything else on the page."""
    labels = dict(Status.choices)
    # Detail pages live under the list's address; one reverse() instead of one per node.
    list_url = reverse("requirements:list", args=[project.key])
    by_id = {node["id"]: node for node in nodes}
    children: dict[int | None, list[dict[str, Any]]] = {}
    for node in nodes:
        parent = node["parent_id"] if node["parent_id"] in by_id else None
        children.setdefault(parent, []).append(node)
    parts: list[str] = []
    seen: set[int] = set()
    # Depth-first without recursion; None marks where a node's sub-list closes.
    stack: list[dict[str, Any] | None] = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        if node is None:
            parts.append("</ul></details></li>\n")
            continue
        if node["id"] in seen:
            continue
        seen.add(node["id"])
        kids = children.get(node["id"], [])
        link = format_html(
            '<a href="{}{}/"><span class="key">{}-R{}</span> {}</a> '
            '<span class="badge {}">{}</span>',
            list_url,
            node["number"],
            project.key,
            node["number"],
            node["title"],
            STATUS_BADGES.get(node["status"], ""),
            labels.get(node["status"], node["status"]),
        )
        if kids:
            parts.append(
                format_html(
                    '<li><details open><summary>{} <small class="muted">{}</small></summary><ul>\n',
                    link,
                    ngettext("%(count)s below", "%(count)s below", len(kids))
                    % {"count": len(kids)},
                )
            )
            stack.append(None)
            stack.extend(reversed(kids))
        else:
            parts.append(format_html("<li>{}</li>\n", link))
    return mark_safe("".join(parts))  # noqa: S308 - every part went through format_html


# Create and edit -----------------------------------------------------------------------------


def _parent_choices(
    request: HttpRequest, project: Project, exclude: int | None = None
) -> list[tuple[int, str]] | None:
    """Candidates for the parent select, or None when there are too many to list (the form
    then asks for a number)."""
    candidates = selectors.requirement_list(user=request.user, project=project).select_related(None)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    rows = list(
        candidates.order_by("number").values_list("number", "title")[: PARENT_SELECT_LIMIT + 1]
    )
    if len(rows) > PARENT_SELECT_LIMIT:
        return None
    return [(number, f"{project.key}-R{number} {title}") for number, title in rows]


def _resolve_parent(
    request: HttpRequest, project: Project, form: RequirementForm
) -> tuple[bool, Requirement | None]:
    """The parent the form names, among the requirements the user can see."""
    number = form.cleaned_data.get("parent")
    if number is None:
        return True, None
    parent = (
        selectors.requirement_list(user=request.user, project=project).filter(number=number).first()
    )
    if parent is None:
        form.add_error(
            "parent",
            _("There is no requirement %(key)s in this project.")
            % {"key": f"{project.key}-R{number}"},
        )
        return False, None
    return True, parent


def _form_page(
    request: HttpRequest,
    project: Project,
    form: RequirementForm,
    formset: Any,
    requirement: Requirement | None,
    status: int | None = None,
) -> HttpResponse:
    context = _context(request, project)
    context.update(form=form, formset=formset, requirement=requirement)
    if status is None:
        status = 400 if form.is_bound else 200
    return render(request, "requirements/form.html", context, status=status)


@login_required
@require_http_methods(GET_POST)
def requirement_create(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    require(policies.can_edit_requirements(request.user, project))
    data = request.POST if request.method == "POST" else None
    tag_names = list(selectors.tag_choices(project=project).values_list("name", flat=True))
    initial = {}
    parent_number = request.GET.get("parent", "")
    if parent_number.isdigit():
        # "Add a detail" from a requirement or the tree starts below it.
        initial["parent"] = parent_number
    form = RequirementForm(
        data,
        instance=Requirement(project=project),
        initial=initial,
        parent_choices=_parent_choices(request, project),
        tag_names=tag_names,
    )
    formset = CriterionFormSet(data, prefix="criteria")
    if data is not None:
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            found, parent = _resolve_parent(request, project, form)
            if found:
                try:
                    requirement = services.requirement_create(
                        actor=request.user,
                        project=project,
                        criteria=formset.items(),
                        tags=form.cleaned_data["tags"],
                        parent=parent,
                        **form.fields_for_service(),
                    )
                except ApplicationError as exc:
                    apply_error(form, exc)
                else:
                    messages.success(
                        request,
                        _("Requirement %(key)s was created as a draft.") % {"key": requirement.key},
                    )
                    return redirect(requirement)
    return _form_page(request, project, form, formset, None)


@login_required
@require_http_methods(GET_POST)
def requirement_edit(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    requirement = selectors.requirement_get_for_update(
        user=request.user, project=project, number=number
    )
    require(policies.can_edit_requirements(request.user, project))
    data = request.POST if request.method == "POST" else None
    tag_names = list(selectors.tag_choices(project=project).values_list("name", flat=True))
    # The form works on a copy, so a refused save leaves the page header as stored.
    form = RequirementForm(
        data,
        instance=copy.copy(requirement),
        parent_choices=_parent_choices(request, project, exclude=requirement.pk),
        tag_names=tag_names,
        editing=True,
    )
    formset = CriterionFormSet(
        data,
        prefix="criteria",
        initial=None if data is not None else criteria_initial(requirement.criteria_list),
        known_ids={c.pk for c in requirement.criteria_list},
    )
    status = None
    if data is not None:
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            found, parent = _resolve_parent(request, project, form)
            if found:
                try:
                    services.requirement_update(
                        actor=request.user,
                        requirement=requirement,
                        data={**form.fields_for_service(), "parent": parent},
                        criteria=formset.items(),
                        tags=form.cleaned_data["tags"],
                        note=form.cleaned_data.get("note", ""),
                        expected_version=form.cleaned_data.get("version"),
                    )
                except ApplicationError as exc:
                    status = refusal_status(form, exc)
                else:
                    messages.success(
                        request, _("Requirement %(key)s was saved.") % {"key": requirement.key}
                    )
                    return redirect(requirement)
    return _form_page(request, project, form, formset, requirement, status)


# Project overview ----------------------------------------------------------------------------


def overview_card(user: Any, project: Project) -> dict[str, Any]:
    """The requirements card of the project overview: counts by status, what awaits the
    client, what changed since its confirmation. Three queries whatever the data."""
    counts = selectors.status_counts(user=user, project=project)
    labels = dict(Status.choices)
    by_status = [
        {
            "status": status,
            "label": labels[status],
            "count": counts[status],
            "badge": STATUS_BADGES.get(status, ""),
        }
        for status in Status.values
        if counts.get(status)
    ]
    awaiting = list(selectors.awaiting_client(user=user, project=project).select_related(None)[:5])
    for requirement in awaiting:
        requirement.project = project
    return {
        "total": sum(counts.values()),
        "by_status": by_status,
        "awaiting": awaiting,
        "awaiting_count": counts.get(Status.SUBMITTED, 0),
        "changed_count": selectors.changed_since_confirmation(user=user, project=project).count(),
    }
