"""Requirement pages: traceability.

The matrix of the project's requirements against what they are traced to, with the coverage
gaps counted at the top and filterable. Internal analysis: the team reads it, clients get 403
(the project itself is visible to them, so the page is not hidden behind a 404).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.projects import policies as project_policies
from accord.projects import selectors as project_selectors
from accord.projects.pages import paginate, project_context
from accord.requirements import traceability as matrix
from accord.requirements.choices import LinkKind, Status
from accord.requirements.forms_review import TraceabilityFilterForm


@login_required
def traceability(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    if not project_policies.can_view_internal(request.user, project):
        raise PermissionDenied
    form = TraceabilityFilterForm(request.GET or None)
    chosen = form.filters()
    scope = matrix.matrix_scope(
        user=request.user, project=project, status=chosen["status"], q=chosen["q"]
    )
    counts = matrix.gap_counts(scope)
    rows = matrix.matrix_rows(scope, gap=chosen["gap"], sort=chosen["sort"])
    page = paginate(request, rows)
    requirements = list(page.object_list)
    status_labels = dict(Status.choices)
    for requirement in requirements:
        requirement.project = project
        requirement.status_label = status_labels.get(requirement.status, requirement.status)
    matrix.attach_links(requirements, project)
    context = project_context(request, project, "requirements")
    context.update(
        form=form,
        filtered=any(chosen[name] for name in ("gap", "status", "q")),
        gap=chosen["gap"],
        gaps=[(gap, counts[gap.name]) for gap in matrix.GAPS.values()],
        total=counts["total"],
        page_obj=page,
        requirements=requirements,
        link_kinds=LinkKind.choices,
    )
    return render(request, "requirements/traceability.html", context)
