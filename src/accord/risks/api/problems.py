"""The problem register over the API: problems (ACME-P3) and a risk that occurs as a problem.

Reads go through `accord.risks.problem_selectors` (clients see shared problems only, and of
their links only the risk and requirements they may see), writes through
`accord.risks.problem_services`. A problem a user may not see answers 404 like an unknown one;
an action a user may not take on something they see answers 403; a business rule's refusal
answers 400 naming the field, a stale write 412 on a stale If-Match.

Links are given by number inside the project: `"risk": 5` for ACME-K5, `"requirements": [3, 7]`
for ACME-R3 and ACME-R7, `"change_requests": [2]` for ACME-CR2. A problem's answer names its
linked change requests by key, only those the reader may see.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts.api.serializers import UserSummarySerializer
from accord.api import texts
from accord.api.concurrency import IF_MATCH, IF_NONE_MATCH, etag_for, expected_version, not_modified
from accord.api.fields import IntegerField
from accord.api.serializers import ModelSerializer
from accord.changes.models import ChangeRequest
from accord.core import integers, parameters
from accord.core.choices import Visibility
from accord.core.exceptions import ApplicationError
from accord.requirements.models import Requirement
from accord.requirements.selectors import requirement_list
from accord.risks import policies, problem_selectors, problem_services, selectors
from accord.risks.api.views import RiskChildViewSet, RisksViewSet
from accord.risks.choices import OPEN_PROBLEM_STATES, ProblemStatus
from accord.risks.models import Problem, Risk
from accord.risks.problem_filters import ProblemOrdering

NUMBER = "[0-9]+"
OWNER_HELP = gettext_lazy("The owner's user id (a member of the project), or null for nobody.")
RISK_NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The risk's number: 5 for ACME-K5.",
)

# Serializers ---------------------------------------------------------------------------------


class ProblemRequirementSerializer(ModelSerializer):
    key = serializers.SerializerMethodField()

    class Meta:
        model = Requirement
        fields = ["key", "number", "title", "status"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_key(self, requirement: Requirement) -> str:
        return requirement.key


class ProblemSerializer(ModelSerializer):
    """A problem as a register row: where it stands, without its texts. `risk` is the key of the
    risk it came from, null when none (or when the reader may not see that risk)."""

    key = serializers.SerializerMethodField()
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    risk = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "key", "number", "title", "status", "visibility", "owner", "due_date", "is_overdue",
            "solved_at", "risk", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _project_key(self, problem: Problem) -> str:
        project = self.context.get("project") or problem.project
        return project.key

    @extend_schema_field(serializers.CharField())
    def get_key(self, problem: Problem) -> str:
        return f"{self._project_key(problem)}-{Problem.KEY_PREFIX}{problem.number}"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_risk(self, problem: Problem) -> str | None:
        if problem.risk_id is None or not getattr(problem, "risk_visible", False):
            return None
        return f"{self._project_key(problem)}-{Risk.KEY_PREFIX}{problem.risk.number}"


class ProblemDetailSerializer(ProblemSerializer):
    """A problem with what happened, its impact, root cause and solution, the affected
    requirements the reader may see and the keys of the change requests that came from it that
    the reader may see."""

    requirements = serializers.SerializerMethodField()
    change_requests = serializers.SerializerMethodField()

    class Meta(ProblemSerializer.Meta):
        fields = [
            *ProblemSerializer.Meta.fields, "description", "impact", "root_cause", "solution",
            "requirements", "change_requests",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ProblemRequirementSerializer(many=True))
    def get_requirements(self, problem: Problem) -> list[dict[str, Any]]:
        rows = problem.requirement_rows
        return ProblemRequirementSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_change_requests(self, problem: Problem) -> list[str]:
        project_key = self._project_key(problem)
        return [
            f"{project_key}-{ChangeRequest.KEY_PREFIX}{change.number}"
            for change in problem.change_request_rows
        ]


class ProblemInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    impact = serializers.CharField(required=False, allow_blank=True, default="")
    root_cause = serializers.CharField(required=False, allow_blank=True, default="")
    solution = serializers.CharField(required=False, allow_blank=True, default="")
    owner = IntegerField(required=False, allow_null=True, default=None, help_text=OWNER_HELP)
    due_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=texts.DUE_NOT_PAST_HELP
    )
    status = serializers.ChoiceField(choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.INTERNAL)
    risk = IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text=gettext_lazy("The number of the risk it came from (5 for ACME-K5), or null."),
    )
    requirements = serializers.ListField(
        child=IntegerField(min_value=1),
        required=False,
        default=list,
        help_text=gettext_lazy("Numbers of the affected requirements (3 for ACME-R3)."),
    )
    change_requests = serializers.ListField(
        child=IntegerField(min_value=1),
        required=False,
        default=list,
        help_text=gettext_lazy(
            "Numbers of the change requests that came from the problem (2 for ACME-CR2)."
        ),
    )


class ProblemUpdateSerializer(ProblemInputSerializer):
    """Any of a problem's fields; solving or closing it needs a solution."""


class RiskOccurredSerializer(serializers.Serializer):
    title = serializers.CharField(
        max_length=300,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text=gettext_lazy("The problem's title; the risk's title when empty."),
    )
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("What happened; the risk's event when empty."),
    )
    impact = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Its impact; the risk's consequence when empty."),
    )


# Filters -------------------------------------------------------------------------------------


class ProblemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=gettext_lazy("Search"))
    status = django_filters.MultipleChoiceFilter(
        choices=ProblemStatus.choices, label=gettext_lazy("Status"), distinct=False
    )
    owner = integers.NumberFilter(field_name="owner_id", label=gettext_lazy("Owner (user id)"))
    overdue = parameters.BooleanFilter(method="filter_overdue", label=gettext_lazy("Overdue"))
    # The list page's ordering: no due date last on every database, ties broken by number.
    ordering = ProblemOrdering(
        fields=(
            ("number", "number"),
            ("title", "title"),
            ("status", "status"),
            ("due_date", "due_date"),
            ("solved_at", "solved_at"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
        ),
        label=gettext_lazy("Sort by"),
    )

    class Meta:
        model = Problem
        fields = ["q", "status", "owner", "overdue"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = Q(status__in=OPEN_PROBLEM_STATES, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = (
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(impact__icontains=value)
            | Q(root_cause__icontains=value)
            | Q(solution__icontains=value)
        )
        # "P3", "ACME-P3" and "3" find the problem by number too.
        number = value.upper().rsplit("-", 1)[-1].removeprefix(Problem.KEY_PREFIX)
        if integers.number_in(number) is not None:
            condition |= Q(number=integers.number_in(number))
        return queryset.filter(condition)


# Views ---------------------------------------------------------------------------------------


def _detail(view: Any, problem: Problem, code: int = status.HTTP_200_OK) -> Response:
    """The problem as it is now, read again through the selectors, with its requirements."""
    user = view.request.user
    fresh = problem_selectors.problem_get(user, view.project, problem.number)
    fresh.requirement_rows = list(problem_selectors.problem_requirements(user, fresh))
    fresh.change_request_rows = list(problem_selectors.problem_change_requests(user, fresh))
    return view.output(fresh, ProblemDetailSerializer, status=code)


class ProblemViewSet(mixins.ListModelMixin, RisksViewSet):
    """A project's problems and their solutions. Clients see the problems shared with them; the
    team records and edits problems; the project manager shares and deletes them."""

    serializer_class = ProblemSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProblemFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    write_policies = {
        "create": policies.can_edit_risks,
        "partial_update": policies.can_edit_risks,
        "destroy": policies.can_delete_risks,
    }

    def get_queryset(self) -> QuerySet[Problem]:
        if getattr(self, "swagger_fake_view", False):
            return Problem.objects.none()
        problems = problem_selectors.problem_list(self.request.user, self.project)
        # A register row shows no texts: leave them in the database.
        return problems.defer("description", "impact", "root_cause", "solution").order_by("-number")

    def get_object(self) -> Problem:
        problem = problem_selectors.problem_get(
            self.request.user, self.project, int(self.kwargs["number"])
        )
        self.check_object_permissions(self.request, problem)
        return problem

    def _links(self, data: dict[str, Any]) -> dict[str, Any]:
        """Risk, requirement and change request numbers as the objects of this project the user
        sees; an unknown number is refused on its field (unknown change requests by key)."""
        user, project = self.request.user, self.project
        if data.get("risk") is not None:
            risk = selectors.risk_list(user, project).filter(number=data["risk"]).first()
            if risk is None:
                raise ApplicationError(_("Choose a risk of this project."), field="risk")
            data["risk"] = risk
        if data.get("requirements"):
            numbers = set(data["requirements"])
            found = list(requirement_list(user=user, project=project).filter(number__in=numbers))
            if len(found) != len(numbers):
                raise ApplicationError(
                    _("Choose requirements of this project."), field="requirements"
                )
            data["requirements"] = found
        if data.get("change_requests"):
            numbers = set(data["change_requests"])
            changes = list(
                ChangeRequest.objects.visible_in(project, user)
                .filter(number__in=numbers)
                .select_related("project")
            )
            if len(changes) != len(numbers):
                missing = sorted(numbers - {change.number for change in changes})
                raise ApplicationError(
                    ngettext(
                        "This project has no change request %(keys)s.",
                        "This project has no change requests %(keys)s.",
                        len(missing),
                    )
                    % {
                        "keys": ", ".join(
                            f"{project.key}-{ChangeRequest.KEY_PREFIX}{n}" for n in missing
                        )
                    },
                    field="change_requests",
                )
            data["change_requests"] = changes
        return data

    @extend_schema(parameters=[IF_NONE_MATCH], responses=ProblemDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        problem = self.get_object()
        if not_modified(request, problem):
            return Response(
                status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_for(problem)}
            )
        return _detail(self, problem)

    @extend_schema(request=ProblemInputSerializer, responses={201: ProblemDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._links(self.read_input(ProblemInputSerializer))
        problem = problem_services.problem_create(actor=request.user, project=self.project, **data)
        return _detail(self, problem, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProblemUpdateSerializer, responses=ProblemDetailSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        problem = self.get_object()
        version = expected_version(request, problem)
        data = self._links(self.read_input(ProblemUpdateSerializer, partial=True))
        updated = problem_services.problem_update(
            actor=request.user, problem=problem, data=data, expected_version=version
        )
        return _detail(self, updated)

    @extend_schema(parameters=[IF_MATCH])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the problem (the project manager); the audit trail keeps what it was."""
        problem = self.get_object()
        version = expected_version(request, problem)
        problem_services.problem_delete(
            actor=request.user, problem=problem, expected_version=version
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[RISK_NUMBER])
class RiskOccurredViewSet(RiskChildViewSet):
    """The risk happened: its status becomes "occurred" (a review records it) and it becomes a
    problem linked to it, in one step. The answer is the new problem."""

    serializer_class = ProblemDetailSerializer
    http_method_names = ["post", "options"]

    @extend_schema(
        request=RiskOccurredSerializer,
        responses={201: ProblemDetailSerializer},
        parameters=[IF_MATCH],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        version = expected_version(request, self.risk)
        data = self.read_input(RiskOccurredSerializer)
        problem = problem_services.risk_occurred(
            actor=request.user, risk=self.risk, expected_version=version, **data
        )
        return _detail(self, problem, status.HTTP_201_CREATED)
