"""Requirement pages: baselines.

A baseline freezes the confirmed version of every agreed requirement under a name, with a hash
over the set. The pages list baselines, create one (showing first what it would freeze), show
one with its items and whether its hashes still verify, and compare two baselines, or a
baseline with today's agreed scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.core import integers
from accord.core.exceptions import ApplicationError
from accord.projects import policies as project_policies
from accord.projects import selectors as project_selectors
from accord.projects.forms import apply_error
from accord.projects.models import Project
from accord.projects.pages import paginate, project_context
from accord.requirements import policies, selectors, services
from accord.requirements.baseline_compare import baseline_compare
from accord.requirements.forms_review import BaselineFilterForm, BaselineForm, CompareForm
from accord.requirements.hashing import baseline_hash, content_hash
from accord.requirements.models import Baseline

GET_POST = ["GET", "POST"]
SORTS = {"-number": ("-number",), "number": ("number",), "name": ("name", "-number")}


def agreed_now(user: Any, project: Project) -> Any:
    """What a new baseline would freeze now, as far as the user may see it."""
    visible = selectors.requirement_list(user=user, project=project)
    return (selectors.agreed_scope(project) & visible).select_related("confirmed_version")


@login_required
def baseline_list(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    filter_form = BaselineFilterForm(request.GET or None)
    baselines = selectors.baseline_list(user=request.user, project=project)
    filtered = False
    sort = "-number"
    if filter_form.is_valid():
        q = filter_form.cleaned_data["q"].strip()
        if q:
            filtered = True
            condition = Q(name__icontains=q) | Q(description__icontains=q)
            number = q.upper().removeprefix(f"{project.key}-").removeprefix("B")
            if integers.number_in(number) is not None:
                condition |= Q(number=integers.number_in(number))
            baselines = baselines.filter(condition)
        sort = filter_form.cleaned_data["sort"] or sort
    page = paginate(request, baselines.order_by(*SORTS[sort]))
    context = project_context(request, project, "requirements")
    context.update(
        filter_form=filter_form,
        filtered=filtered,
        page_obj=page,
        baselines=page.object_list,
        can_create=policies.can_create_baseline(request.user, project),
    )
    return render(request, "requirements/baseline_list.html", context)


@login_required
@require_http_methods(GET_POST)
def baseline_create(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    if not policies.can_create_baseline(request.user, project):
        raise PermissionDenied
    form = BaselineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            baseline = services.baseline_create(
                actor=request.user,
                project=project,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                _("Baseline %(key)s was created: %(count)s requirement(s) frozen.")
                % {"key": baseline.key, "count": baseline.items.count()},
            )
            return redirect(baseline)
    page = paginate(request, agreed_now(request.user, project))
    for requirement in page.object_list:
        requirement.project = project
    context = project_context(request, project, "requirements")
    context.update(form=form, page_obj=page, agreed=page.object_list)
    return render(
        request,
        "requirements/baseline_form.html",
        context,
        status=400 if form.is_bound else 200,
    )


def _verification(baseline: Baseline, items: list[Any]) -> dict[str, Any]:
    """Whether the stored baseline hash still matches its items (all of them, read as three
    small columns), and each shown item's version content its own hash."""
    triples = list(
        baseline.items.order_by().values_list(
            "requirement__number", "version__number", "version__content_hash"
        )
    )
    for item in items:
        item.content_ok = content_hash(item.version.content) == item.version.content_hash
    return {
        "set_ok": baseline_hash(triples) == baseline.content_hash,
        "count": len(triples),
        "items_ok": all(item.content_ok for item in items),
    }


@login_required
def baseline_detail(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    baseline = selectors.baseline_get(user=request.user, project=project, number=number)
    baseline.project = project
    page = paginate(request, selectors.baseline_items(baseline=baseline))
    items = list(page.object_list)
    for item in items:
        item.requirement.project = project
        # A requirement the reader may no longer see is counted and hashed, not named.
        item.hidden = not project_policies.can_view_item(request.user, item.requirement)
    context = project_context(request, project, "requirements")
    context.update(
        baseline=baseline,
        page_obj=page,
        items=items,
        verification=_verification(baseline, items),
    )
    return render(request, "requirements/baseline_detail.html", context)


@login_required
def baseline_compare_view(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    baselines = list(selectors.baseline_list(user=request.user, project=project))
    for baseline in baselines:
        baseline.project = project
    context = project_context(request, project, "requirements")
    context["baselines"] = baselines
    if not baselines:
        context["can_create"] = policies.can_create_baseline(request.user, project)
        return render(request, "requirements/baseline_compare.html", context)
    params = {"from": str(baselines[0].number), "to": CompareForm.CURRENT}
    params.update({name: request.GET[name] for name in ("from", "to") if request.GET.get(name)})
    form = CompareForm(params, baselines=baselines)
    context["form"] = form
    if not form.is_valid():
        return render(request, "requirements/baseline_compare.html", context, status=400)
    by_number = {str(b.number): b for b in baselines}
    old = by_number[form.cleaned_data["from"]]
    to = form.cleaned_data["to"]
    new = None if to == CompareForm.CURRENT else by_number[to]
    comparison = baseline_compare(old, new, user=request.user)
    changed_page = paginate(request, comparison.changed)
    context.update(comparison=comparison, old=old, new=new, page_obj=changed_page)
    return render(request, "requirements/baseline_compare.html", context)
