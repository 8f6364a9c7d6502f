"""Change control over the API: the change log, a request's detail with its redline, the
workflow steps, decisions bound to the content hash, applying, the impact, the approval policy
and the change log's figures.

Reads go through `accord.changes.selectors` and `impact`, writes through
`accord.changes.services`, so the API holds exactly the rules of the pages. A request a user
may not see answers 404 like an unknown one; an action a user may not take on something they
see answers 403; a refusal of the services answers 400 naming the field, a stale write 409 (or
412 on a stale If-Match).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accord.api.concurrency import IF_MATCH, IF_NONE_MATCH, etag_for, expected_version, not_modified
from accord.api.permissions import ProjectPolicy
from accord.api.references import visible_reference
from accord.api.views import (
    PROJECT_KEY,
    ApiViewMixin,
    ProjectChildViewSet,
    ProjectScopedMixin,
    VersionedDetailMixin,
)
from accord.changes import metrics, policies, selectors, services, workflow
from accord.changes.api.filters import ChangeFilter
from accord.changes.api.serializers import (
    ChangeApplyInputSerializer,
    ChangeApprovalSerializer,
    ChangeDecideInputSerializer,
    ChangeDetailSerializer,
    ChangeImpactSerializer,
    ChangeInputSerializer,
    ChangeMetricsSerializer,
    ChangePolicyInputSerializer,
    ChangePolicySerializer,
    ChangeSerializer,
    ChangeTransitionInputSerializer,
    ChangeUpdateSerializer,
)
from accord.changes.impact import change_impact
from accord.changes.models import ChangeRequest
from accord.core.exceptions import ApplicationError
from accord.projects import policies as project_policies
from accord.projects.models import Milestone
from accord.risks.models import Risk

NUMBER = "[0-9]+"
CHANGE_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.INT, OpenApiParameter.PATH, description="3 for ACME-CR3."
)
BASE_FIELDS = (
    "title",
    "type",
    "urgency",
    "reason",
    "background",
    "source_reference",
    "effort_days",
    "cost",
    "cost_currency",
    "assessment",
)


def _refuse(message: str, field: str) -> None:
    raise ApplicationError(message, field=field)


class ChangeViewSet(VersionedDetailMixin, mixins.ListModelMixin, ProjectChildViewSet):
    """A project's change requests. The team and client members raise them; the team assesses
    them; the approvers the project's policy names decide on them; the project manager applies
    approved ones. Clients see shared requests only (a team draft stays internal until it is
    submitted)."""

    serializer_class = ChangeSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER
    filter_backends = [DjangoFilterBackend]
    filterset_class = ChangeFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def write_policy(self) -> Any:  # type: ignore[override]
        return policies.can_raise if self.action == "create" else None

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["project"] = self.project
        return context

    def get_queryset(self) -> QuerySet[ChangeRequest]:
        if getattr(self, "swagger_fake_view", False):
            return ChangeRequest.objects.none()
        return (
            selectors.change_list(self.request.user, self.project)
            .defer("reason", "background", "assessment")
            .order_by("-number")
        )

    def get_object(self) -> ChangeRequest:
        change = getattr(self, "_change", None)
        if change is None:
            change = selectors.change_for(
                self.request.user, self.project, int(self.kwargs["number"])
            )
            self._change = change
        self.check_object_permissions(self.request, change)
        return change

    def check_permissions(self, request: Request) -> None:
        # A request the user may not see answers 404 for every method, before any policy (a
        # GET of a POST-only step too), exactly like an unknown number.
        if (
            request.user.is_authenticated
            and "number" in self.kwargs
            and not getattr(self, "swagger_fake_view", False)
        ):
            self.get_object()
        super().check_permissions(request)

    # Reading ---------------------------------------------------------------------------------

    def _detail_rows(self, change: ChangeRequest) -> ChangeRequest:
        user, project = self.request.user, self.project
        rows = []
        for item in change.items.select_related(
            "requirement", "base_version", "result_requirement", "result_version"
        ).order_by("position"):
            requirement = item.requirement or item.result_requirement
            hidden = (
                requirement is not None and visible_reference(user, requirement, project) is None
            )
            row = {
                "position": item.position,
                "action": item.action,
                "hidden": hidden,
                "requirement": None,
                "requirement_number": None,
                "base_version": None,
                "proposed": {},
                "note": "",
                "result_requirement": None,
                "result_version": None,
            }
            if not hidden:
                number = item.requirement.number if item.requirement else None
                result = item.result_requirement
                row.update(
                    requirement=f"{project.key}-R{number}" if number else None,
                    requirement_number=number,
                    base_version=item.base_version.number if item.base_version else None,
                    proposed=item.proposed or {},
                    note=item.note,
                    result_requirement=f"{project.key}-R{result.number}" if result else None,
                    result_version=item.result_version.number if item.result_version else None,
                )
            rows.append(row)
        change.item_rows = rows
        schedule = []
        for impact in change.schedule_impacts.select_related("milestone").order_by(
            "milestone__due_date", "milestone__number"
        ):
            milestone = visible_reference(user, impact.milestone, project)
            if milestone is None:
                continue
            schedule.append(_schedule_row(project, milestone, impact.shift_days, impact.note))
        change.schedule_rows = schedule
        change.new_risk_keys = _risk_keys(user, project, change.new_risks.all())
        change.source_risk_keys = _risk_keys(user, project, change.source_risks.all())
        approvals = list(selectors.approval_list(change))
        change.approval_rows = approvals
        policy = selectors.policy_for(project)
        live = [a for a in approvals if a.voided_at is None]
        change.pending_rows = [
            {"slot": slot, "needed": needed, "given": given}
            for slot, needed, given in selectors.pending_slots(change, policy, live)
        ]
        baseline = visible_reference(user, change.baseline, project)
        change.baseline_key = f"{project.key}-B{baseline.number}" if baseline else None
        change.transitions = workflow.available_transitions(user, change)
        try:
            change.may_decide_as = selectors.decision_slot(user, change, policy, live)
        except ApplicationError:
            change.may_decide_as = None
        change.may_apply = policies.can_apply(user, change)
        return change

    def detail_output(self, change: ChangeRequest, code: int = status.HTTP_200_OK) -> Response:
        """The request as it is now, read again through the selectors, with all its parts."""
        fresh = selectors.change_for(self.request.user, self.project, change.number)
        return self.output(self._detail_rows(fresh), ChangeDetailSerializer, status=code)

    @extend_schema(parameters=[IF_NONE_MATCH], responses=ChangeDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = self.get_object()
        if not_modified(request, change):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_for(change)})
        return self.detail_output(change)

    # Writing ---------------------------------------------------------------------------------

    def _resolve(self, data: dict[str, Any]) -> dict[str, Any]:
        """Numbers in the input become the objects the services take; a number the user may
        not see is refused like an unknown one."""
        from accord.requirements.selectors import requirement_list

        user, project = self.request.user, self.project
        parts: dict[str, Any] = {}
        if "items" in data:
            numbers = {i["requirement"] for i in data["items"] if i.get("requirement")}
            found = {
                r.number: r
                for r in requirement_list(user=user, project=project)
                .select_related("current_version")
                .filter(number__in=numbers)
            }
            items = []
            for n, line in enumerate(data.pop("items"), start=1):
                number = line.get("requirement")
                if number is not None and number not in found:
                    _refuse(
                        _("Line %(n)s of the redline: there is no requirement %(key)s.")
                        % {"n": n, "key": f"{project.key}-R{number}"},
                        "items",
                    )
                items.append({**line, "requirement": found.get(number) if number else None})
            parts["items"] = items
        if "schedule" in data:
            numbers = {s["milestone"] for s in data["schedule"]}
            found = {
                m.number: m
                for m in Milestone.objects.visible_in(project, user).filter(number__in=numbers)
            }
            schedule = []
            for n, line in enumerate(data.pop("schedule"), start=1):
                if line["milestone"] not in found:
                    _refuse(
                        _("Schedule line %(n)s: there is no milestone %(key)s.")
                        % {"n": n, "key": f"{project.key}-M{line['milestone']}"},
                        "schedule",
                    )
                schedule.append({**line, "milestone": found[line["milestone"]]})
            parts["schedule"] = schedule
        for name in ("new_risks", "source_risks"):
            if name in data:
                numbers = set(data.pop(name))
                risks = list(Risk.objects.visible_in(project, user).filter(number__in=numbers))
                if len(risks) != len(numbers):
                    _refuse(_("Choose risks of this project."), name)
                parts[name] = risks
        return parts

    @extend_schema(request=ChangeInputSerializer, responses={201: ChangeDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(ChangeInputSerializer)
        parts = self._resolve(data)
        fields = {k: v for k, v in data.items() if k in BASE_FIELDS}
        change = services.change_create(actor=request.user, project=self.project, **parts, **fields)
        return self.detail_output(change, status.HTTP_201_CREATED)

    @extend_schema(
        request=ChangeUpdateSerializer, responses=ChangeDetailSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = self.get_object()
        user = request.user
        if not (
            project_policies.can_edit_content(user, self.project) or policies.can_edit(user, change)
        ):
            raise PermissionDenied(_("You are not allowed to edit this change request."))
        version = self.expected_version(change)
        data = self.read_input(ChangeUpdateSerializer, partial=True)
        parts = self._resolve(data)
        fields = {k: v for k, v in data.items() if k in BASE_FIELDS}
        updated = services.change_update(
            actor=user, change=change, data=fields, expected_version=version, **parts
        )
        return self.detail_output(updated)

    @extend_schema(
        request=ChangeTransitionInputSerializer,
        responses=ChangeDetailSerializer,
        parameters=[CHANGE_NUMBER, IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take a workflow step: submit, assess, request_approval, back_to_assessment, defer,
        resume, start_implementation, close, withdraw ("implement" is `apply`; approving and
        rejecting are `decide`)."""
        change = self.get_object()
        user = request.user
        is_requester = change.requested_by_id == user.pk
        if not (project_policies.can_edit_content(user, self.project) or is_requester):
            raise PermissionDenied(_("You are not allowed to take steps on this change request."))
        version = self.expected_version(change)
        data = self.read_input(ChangeTransitionInputSerializer)
        updated = services.change_transition(
            actor=user,
            change=change,
            transition=data["transition"],
            comment=data["comment"],
            expected_version=version,
        )
        return self.detail_output(updated)

    @extend_schema(
        request=ChangeDecideInputSerializer,
        responses={201: ChangeApprovalSerializer},
        parameters=[CHANGE_NUMBER],
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Approve or reject the request as you read it (`content_hash` from its detail); a
        rejection needs a comment."""
        change = self.get_object()
        policy = selectors.policy_for(self.project)
        if not selectors.slots_of(request.user, self.project, policy):
            raise PermissionDenied(
                _("You have no authority to approve or reject change requests in this project.")
            )
        data = self.read_input(ChangeDecideInputSerializer)
        try:
            approval = services.change_decide(
                actor=request.user,
                change=change,
                decision=data["decision"],
                comment=data["comment"],
                expected_hash=data["content_hash"],
            )
        except ApplicationError as exc:
            if exc.field == "expected_hash":
                exc.field = "content_hash"
            raise
        return Response(
            ChangeApprovalSerializer(approval, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=ChangeApplyInputSerializer,
        responses=ChangeDetailSerializer,
        parameters=[CHANGE_NUMBER, IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Apply an approved request to the requirements, exactly once (the project manager)."""
        change = self.get_object()
        if not policies.can_manage(request.user, self.project):
            raise PermissionDenied(_("Only the project manager can apply a change request."))
        version = self.expected_version(change)
        data = self.read_input(ChangeApplyInputSerializer)
        applied = services.change_apply(
            actor=request.user, change=change, expected_version=version, **data
        )
        return self.detail_output(applied)

    @extend_schema(responses=ChangeImpactSerializer, parameters=[CHANGE_NUMBER])
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def impact(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What the change would touch: per line the diff, the confirmation it supersedes, the
        tasks to change and to redo (clients: counts only) and their milestones; the schedule
        shift per milestone with the new date, effort, cost and new risks."""
        change = self.get_object()
        impact = change_impact(change, request.user)
        key = self.project.key
        lines = []
        for line in impact.lines:
            lines.append(
                {
                    "position": line.position,
                    "action": line.action,
                    "hidden": line.hidden,
                    "requirement": f"{key}-R{line.requirement.number}"
                    if line.requirement
                    else None,
                    "outdated": line.outdated,
                    "changed_fields": [d.name for d in line.changed_fields],
                    "current": None if line.hidden else line.current,
                    "proposed": {} if line.hidden else line.proposed,
                    "superseded_confirmation": _confirmation(line.superseded),
                    "open_tasks": line.open_task_count,
                    "done_tasks": line.done_task_count,
                    "task_keys": [f"{key}-T{t.number}" for t in line.open_tasks + line.done_tasks],
                    "milestones": [f"{key}-M{m.number}" for m in line.milestones],
                }
            )
        body = {
            "lines": lines,
            "schedule": [
                _schedule_row(self.project, s.milestone, s.shift_days, s.note)
                for s in impact.schedule
            ],
            "effort_days": impact.effort_days,
            "cost": impact.cost,
            "cost_currency": impact.cost_currency,
            "assessment": impact.assessment,
            "new_risks": [f"{key}-K{r.number}" for r in impact.new_risks],
            "hidden_risks": impact.hidden_risks,
            "open_tasks": impact.open_task_count,
            "done_tasks": impact.done_task_count,
            "superseded_confirmations": impact.superseded_count,
        }
        return Response(ChangeImpactSerializer(body).data)

    @extend_schema(responses=ChangeApprovalSerializer(many=True), parameters=[CHANGE_NUMBER])
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def approvals(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every decision on the request in order, voided ones included (with the reason)."""
        change = self.get_object()
        rows = selectors.approval_list(change)
        return Response(
            ChangeApprovalSerializer(rows, many=True, context=self.get_serializer_context()).data
        )


def _confirmation(decision: Any) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "version": decision.version.number,
        "decided_by": decision.decided_by.full_name or decision.decided_by.email
        if decision.decided_by
        else None,
        "decided_at": decision.decided_at.isoformat(),
        "content_hash": decision.content_hash,
    }


def _schedule_row(project: Any, milestone: Any, shift: int, note: str) -> dict[str, Any]:
    import datetime as dt

    return {
        "milestone": f"{project.key}-M{milestone.number}",
        "milestone_number": milestone.number,
        "name": milestone.name,
        "due_date": milestone.due_date,
        "shift_days": shift,
        "new_date": milestone.due_date + dt.timedelta(days=shift),
        "note": note,
    }


def _risk_keys(user: Any, project: Any, risks: Any) -> list[str]:
    """The keys of the risks the reader may see."""
    return [
        f"{project.key}-K{r.number}"
        for r in sorted(risks, key=lambda r: r.number)
        if visible_reference(user, r, project) is not None
    ]


@extend_schema(parameters=[PROJECT_KEY])
class ChangePolicyView(ApiViewMixin, ProjectScopedMixin, generics.GenericAPIView):
    """Who must approve the project's change requests: everyone in the project reads it, the
    project manager sets it."""

    permission_classes = [IsAuthenticated, ProjectPolicy]
    serializer_class = ChangePolicySerializer
    read_policy = None
    write_policy = staticmethod(policies.can_manage)

    def _output(self) -> Response:
        policy = selectors.policy_for(self.project)
        headers = {"ETag": etag_for(policy)} if policy.pk else {}
        return Response(ChangePolicySerializer(policy).data, headers=headers)

    @extend_schema(responses=ChangePolicySerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._output()

    @extend_schema(
        request=ChangePolicyInputSerializer, responses=ChangePolicySerializer, parameters=[IF_MATCH]
    )
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        current = selectors.policy_for(self.project)
        version = expected_version(request, current) if current.pk else None
        data = self.read_input(ChangePolicyInputSerializer)
        board = None
        if "board" in data:
            ids = set(data.pop("board"))
            board = list(get_user_model().objects.filter(pk__in=ids))
            if len(board) != len(ids):
                _refuse(_("Choose change board members among the project's members."), "board")
        services.policy_update(
            actor=request.user,
            project=self.project,
            data=data,
            board=board,
            expected_version=version,
        )
        return self._output()


@extend_schema(parameters=[PROJECT_KEY])
class ChangeMetricsView(ApiViewMixin, ProjectScopedMixin, generics.GenericAPIView):
    """The change log's figures over the requests you may see: count by state, mean time to
    decision, approved schedule shift, cost per currency and effort."""

    permission_classes = [IsAuthenticated, ProjectPolicy]
    serializer_class = ChangeMetricsSerializer
    read_policy = None

    @extend_schema(responses=ChangeMetricsSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        figures = metrics.change_metrics(self.project, request.user)
        return Response(ChangeMetricsSerializer(figures).data)
