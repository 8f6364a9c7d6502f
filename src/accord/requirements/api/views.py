"""Requirements over the API: the requirements themselves, their versions and diffs, acceptance
criteria, client review (submissions and decisions), baselines, discussion and links.

Reads go through `accord.requirements.selectors` (the visibility rules), writes through
`accord.requirements.services`, so the API holds exactly the rules of the web pages. Whatever a
user may not see answers 404 like an unknown object; an action a user may not take on something
they see answers 403; a business rule's refusal answers 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accord.api import texts
from accord.api.concurrency import IF_MATCH, IF_NONE_MATCH, etag_for, not_modified
from accord.api.views import ProjectChildViewSet, VersionedDetailMixin
from accord.core import integers
from accord.core.textdiff import diff_tokens
from accord.projects import policies as project_policies
from accord.requirements import policies, selectors, services
from accord.requirements.api.filters import RequirementFilter, with_priority_rank
from accord.requirements.api.serializers import (
    BaselineCompareSerializer,
    BaselineDetailSerializer,
    BaselineInputSerializer,
    BaselineSerializer,
    BulkTagResultSerializer,
    BulkTagSerializer,
    CommentInputSerializer,
    CommentSerializer,
    ConfirmManyInputSerializer,
    CriterionSerializer,
    CriterionVerifySerializer,
    DecisionInputSerializer,
    DecisionSerializer,
    DiffSerializer,
    LinkInputSerializer,
    LinkSerializer,
    RequirementDetailSerializer,
    RequirementInputSerializer,
    RequirementSerializer,
    RequirementUpdateSerializer,
    ReturnInputSerializer,
    SubmissionInputSerializer,
    SubmissionSerializer,
    TransitionInputSerializer,
    VersionDetailSerializer,
    VersionSerializer,
    requirement_key,
)
from accord.requirements.baseline_compare import baseline_compare
from accord.requirements.choices import WORKFLOW, Actor, Transition
from accord.requirements.compare import version_diff
from accord.requirements.models import (
    AcceptanceCriterion,
    Baseline,
    ClientDecision,
    Comment,
    Requirement,
    RequirementLink,
    RequirementVersion,
    Submission,
    SubmissionItem,
    Tag,
)
from accord.requirements.workflow import available_transitions

# Version and baseline numbers in query parameters, as the schema states them.
POSITIVE = {**integers.INTEGER_SCHEMA, "minimum": 1}
NUMBER = "[0-9]+"
REQUIREMENT_NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The requirement's number: 12 for ACME-R12.",
)

# Who a transition needs, from the workflow table: the team, the manager or a client approver.
_TRANSITION_ACTOR = {name: actor for name, _sources, _target, actor in WORKFLOW}
_ACTOR_POLICY: dict[str, Callable[[Any, Any], bool]] = {
    Actor.TEAM: policies.can_edit_requirements,
    Actor.MANAGER: policies.can_submit,
    Actor.CLIENT_APPROVER: policies.can_decide,
}


def _may_transition(user: Any, project: Any) -> bool:
    """Whoever may take some workflow step: the team or a client approver."""
    return policies.can_edit_requirements(user, project) or policies.can_decide(user, project)


class RequirementsViewSet(ProjectChildViewSet):
    """Base of the requirements views: the project in the serializer context, write policies by
    action (`write_policies`), and requirement numbers in input resolved through the visibility
    rule (an unknown number and one the user may not see are the same error)."""

    write_policies: dict[str, Callable[[Any, Any], bool] | None] = {}

    @property
    def write_policy(self) -> Callable[[Any, Any], bool] | None:  # type: ignore[override]
        return self.write_policies.get(self.action)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["project"] = self.project
        return context

    def visible_requirements(self) -> QuerySet[Requirement]:
        return selectors.requirement_list(user=self.request.user, project=self.project)

    def requirements_by_number(self, numbers: list[int], field: str) -> list[Requirement]:
        found = {r.number: r for r in self.visible_requirements().filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            message = texts.NO_SUCH_REQUIREMENTS % {
                "numbers": ", ".join(str(requirement_key(self.project.key, n)) for n in missing)
            }
            raise ValidationError({field: [message]})
        return [found[n] for n in numbers]

    def requirement_by_number(self, number: int | None, field: str) -> Requirement | None:
        if number is None:
            return None
        found = self.visible_requirements().filter(number=number).first()
        if found is None:
            raise ValidationError({field: [texts.NO_SUCH_PARENT]})
        return found


class RequirementChildViewSet(RequirementsViewSet):
    """A resource below `/requirements/{number}/`: the requirement must be visible to the user,
    or every request (read or write) answers 404 before any policy is asked."""

    filter_backends: list[Any] = []

    @cached_property
    def requirement(self) -> Requirement:
        return selectors.requirement_get(
            user=self.request.user, project=self.project, number=int(self.kwargs["number"])
        )

    def check_permissions(self, request: Request) -> None:
        if request.user.is_authenticated and not getattr(self, "swagger_fake_view", False):
            self.requirement  # noqa: B018 - resolving it is the visibility check
        super().check_permissions(request)


# Requirements --------------------------------------------------------------------------------


# The requirement columns a list row reads (RequirementListSerializer).
_LIST_COLUMNS = (
    "id", "number", "title", "type", "quality_attribute", "priority", "business_value",
    "effort_days", "source", "status", "parent_id", "current_version_id",
    "confirmed_version_id", "changed_since_confirmation", "version", "created_at", "updated_at",
    "parent__number", "parent__project", "parent__visibility", "current_version__number",
    "confirmed_version__number",
)  # fmt: skip


class RequirementViewSet(VersionedDetailMixin, mixins.ListModelMixin, RequirementsViewSet):
    """A project's requirements. Clients see those shared with them (submitted or later),
    never drafts; the team writes them; client approvers decide on them."""

    serializer_class = RequirementSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER
    filter_backends = [DjangoFilterBackend]
    filterset_class = RequirementFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    write_policies = {
        "create": policies.can_edit_requirements,
        "partial_update": policies.can_edit_requirements,
        "bulk_tag": policies.can_edit_requirements,
        "transition": _may_transition,
        "confirm": policies.can_decide,
        "return_": policies.can_decide,
        "reject": policies.can_decide,
    }

    def get_queryset(self) -> QuerySet[Requirement]:
        if getattr(self, "swagger_fake_view", False):
            return Requirement.objects.none()
        # Only the columns the list rows show: of the parent and the versions their numbers,
        # not whole rows (the versions' contents included). Related rows rather than
        # annotations, which would keep their joins in the page count.
        requirements = (
            self.visible_requirements()
            .select_related(None)
            .select_related("parent", "current_version", "confirmed_version")
            .only(*_LIST_COLUMNS)
        )
        tags = Prefetch("tags", queryset=Tag.objects.only("id", "name"), to_attr="tag_list")
        return with_priority_rank(requirements).prefetch_related(tags).order_by("number")

    def get_object(self) -> Requirement:
        requirement = selectors.requirement_get(
            user=self.request.user, project=self.project, number=int(self.kwargs["number"])
        )
        self.check_object_permissions(self.request, requirement)
        return requirement

    def detail_output(self, requirement: Requirement, code: int = status.HTTP_200_OK) -> Response:
        """The requirement as it is now, read again through the selectors."""
        fresh = selectors.requirement_get(
            user=self.request.user, project=self.project, number=requirement.number
        )
        fresh.criteria_list = selectors.criteria_of(fresh)
        fresh.transitions = available_transitions(self.request.user, fresh)
        return self.output(fresh, RequirementDetailSerializer, status=code)

    @extend_schema(parameters=[IF_NONE_MATCH], responses=RequirementDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        requirement = self.get_object()
        if not_modified(request, requirement):
            return Response(
                status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_for(requirement)}
            )
        return self.detail_output(requirement)

    def _split_input(self, data: dict[str, Any]) -> dict[str, Any]:
        """Service arguments from the input: criteria, tags and note apart, parent resolved."""
        arguments = {
            "criteria": data.pop("criteria", None),
            "tags": data.pop("tags", None),
            "note": data.pop("note", ""),
        }
        if "parent" in data:
            data["parent"] = self.requirement_by_number(data["parent"], "parent")
        return arguments

    @extend_schema(request=RequirementInputSerializer, responses={201: RequirementDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(RequirementInputSerializer)
        arguments = self._split_input(data)
        criteria = [dict(item) for item in arguments["criteria"] or []]
        requirement = services.requirement_create(
            actor=request.user,
            project=self.project,
            criteria=criteria,
            tags=arguments["tags"],
            note=arguments["note"],
            **data,
        )
        return self.detail_output(requirement, status.HTTP_201_CREATED)

    @extend_schema(
        request=RequirementUpdateSerializer,
        responses=RequirementDetailSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        requirement = self.get_object()
        version = self.expected_version(requirement)
        data = self.read_input(RequirementUpdateSerializer, partial=True)
        arguments = self._split_input(data)
        criteria = arguments["criteria"]
        updated = services.requirement_update(
            actor=request.user,
            requirement=requirement,
            data=data,
            criteria=None if criteria is None else [dict(item) for item in criteria],
            tags=arguments["tags"],
            note=arguments["note"],
            expected_version=version,
        )
        return self.detail_output(updated)

    @extend_schema(
        request=TransitionInputSerializer,
        responses=RequirementDetailSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take one step of the workflow (`available_transitions` lists what you may do now).
        Submit, confirm, return and reject are recorded as a submission or a client decision,
        as through their own endpoints."""
        requirement = self.get_object()
        version = self.expected_version(requirement)
        data = self.read_input(TransitionInputSerializer)
        name, comment = data["transition"], data["comment"]
        if not _ACTOR_POLICY[_TRANSITION_ACTOR[name]](request.user, self.project):
            raise PermissionDenied(
                _("You are not allowed to take the step “%(transition)s” in this project.")
                % {"transition": Transition(name).label}
            )
        user = request.user
        if name == Transition.SUBMIT:
            services.requirements_submit(
                actor=user, project=self.project, requirements=[requirement], message=comment
            )
        elif name == Transition.CONFIRM:
            services.requirement_confirm(actor=user, requirement=requirement, comment=comment)
        elif name == Transition.RETURN:
            services.requirement_return(actor=user, requirement=requirement, comment=comment)
        elif name == Transition.REJECT:
            services.requirement_reject(actor=user, requirement=requirement, comment=comment)
        else:
            services.requirement_transition(
                actor=user,
                requirement=requirement,
                transition=name,
                comment=comment,
                expected_version=version,
            )
        return self.detail_output(requirement)

    def _decide(
        self,
        serializer_class: type[DecisionInputSerializer],
        decide: Callable[..., ClientDecision],
    ) -> Response:
        requirement = self.get_object()
        data = self.read_input(serializer_class)
        decision = decide(
            actor=self.request.user,
            requirement=requirement,
            comment=data["comment"],
            expected_hash=data.get("expected_hash") or None,
        )
        decision = selectors.decision_list(requirement=requirement).get(pk=decision.pk)
        return self.output(decision, DecisionSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=DecisionInputSerializer, responses={201: DecisionSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Confirm the requirement as submitted, on behalf of the client (client approvers).
        Send the `expected_hash` you read: a requirement changed since is refused."""
        return self._decide(DecisionInputSerializer, services.requirement_confirm)

    @extend_schema(request=ReturnInputSerializer, responses={201: DecisionSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Return the requirement to the team with a comment saying what must change."""
        return self._decide(ReturnInputSerializer, services.requirement_return)

    @extend_schema(request=ReturnInputSerializer, responses={201: DecisionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Reject the requirement, with a comment saying why."""
        return self._decide(ReturnInputSerializer, services.requirement_reject)

    @extend_schema(responses=DecisionSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def decisions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The client's confirmations, returns and rejections of this requirement, newest
        first, each with the version and content hash it was about."""
        requirement = self.get_object()
        decisions = selectors.decision_list(requirement=requirement).select_related("requirement")
        context = self.get_serializer_context()
        return Response(DecisionSerializer(decisions, many=True, context=context).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from",
                POSITIVE,
                description="The older version (default: the one "
                "before `to`, or the confirmed version when there is one).",
            ),
            OpenApiParameter(
                "to", POSITIVE, description="The newer version (default: the latest)."
            ),
        ],
        responses=DiffSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def diff(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Two versions field by field; each changed field with its changes as runs of
        equal / delete / insert text (English word by word, Chinese character by character)."""
        requirement = self.get_object()
        versions = list(selectors.version_list(user=request.user, requirement=requirement))
        by_number = {version.number: version for version in versions}
        new = self._version_param("to", by_number, default=versions[0] if versions else None)
        older = [v for v in versions if v.number < new.number]
        default_old = older[0] if older else new
        confirmed = requirement.confirmed_version_id
        if confirmed and confirmed != new.pk and confirmed in {v.pk for v in older}:
            default_old = next(v for v in older if v.pk == confirmed)
        old = self._version_param("from", by_number, default=default_old)
        fields = [
            {
                "name": field.name,
                "label": str(field.label),
                "old": field.old,
                "new": field.new,
                "changed": field.changed,
                "ops": [list(op) for op in diff_tokens(field.old, field.new)],
            }
            for field in version_diff(old, new)
        ]
        body = {
            "key": requirement.key,
            "from": {"number": old.number, "content_hash": old.content_hash},
            "to": {"number": new.number, "content_hash": new.content_hash},
            "fields": fields,
        }
        return Response(DiffSerializer(body).data)

    def _version_param(
        self,
        name: str,
        by_number: dict[int, RequirementVersion],
        default: RequirementVersion | None,
    ) -> RequirementVersion:
        raw = self.request.query_params.get(name, "").strip()
        if not raw:
            if default is None:
                raise Http404
            return default
        number = integers.number_in(raw)
        version = by_number.get(number) if number is not None else None
        if version is None:
            # A version the reader was not shown reads exactly like one that does not exist.
            raise ValidationError({name: [texts.NO_SUCH_VERSION % {"number": raw}]})
        return version

    @extend_schema(request=BulkTagSerializer, responses=BulkTagResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-tag", url_name="bulk-tag")
    def bulk_tag(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add and remove tags on many requirements at once; tags are planning data, so no new
        version is made."""
        data = self.read_input(BulkTagSerializer)
        requirements = self.requirements_by_number(data["requirements"], "requirements")
        changed = services.requirements_tag(
            actor=request.user,
            project=self.project,
            requirements=requirements,
            add=data["add"],
            remove=data["remove"],
        )
        return Response(BulkTagResultSerializer({"changed": changed}).data)


# Versions and acceptance criteria ------------------------------------------------------------


@extend_schema(parameters=[REQUIREMENT_NUMBER])
class RequirementVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, RequirementChildViewSet
):
    """A requirement's versions, newest first, each with its content hash; clients see only the
    versions they have been shown."""

    serializer_class = VersionSerializer
    lookup_field = "number"
    lookup_url_kwarg = "version"
    lookup_value_regex = NUMBER

    def get_queryset(self) -> QuerySet[RequirementVersion]:
        if getattr(self, "swagger_fake_view", False):
            return RequirementVersion.objects.none()
        versions = selectors.version_list(user=self.request.user, requirement=self.requirement)
        return selectors.with_confirmations(versions)

    def get_serializer_class(self) -> type[VersionSerializer]:
        return VersionDetailSerializer if self.action == "retrieve" else VersionSerializer

    @extend_schema(
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.PATH)]
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)


@extend_schema(parameters=[REQUIREMENT_NUMBER])
class CriterionViewSet(mixins.ListModelMixin, RequirementChildViewSet):
    """A requirement's acceptance criteria in order; the team marks each verified with a note."""

    serializer_class = CriterionSerializer
    lookup_url_kwarg = "id"
    lookup_value_regex = NUMBER
    pagination_class = None
    write_policies = {"verify": policies.can_edit_requirements}

    def get_queryset(self) -> list[AcceptanceCriterion]:  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return AcceptanceCriterion.objects.none()  # type: ignore[return-value]
        return selectors.criteria_of(self.requirement)

    def get_object(self) -> AcceptanceCriterion:
        wanted = int(self.kwargs["id"])
        for criterion in self.get_queryset():
            if criterion.pk == wanted:
                return criterion
        raise Http404

    @extend_schema(
        request=CriterionVerifySerializer,
        responses=CriterionSerializer,
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark the criterion verified (or not any more), with a note on how."""
        criterion = self.get_object()
        data = self.read_input(CriterionVerifySerializer)
        services.criterion_verify(
            actor=request.user, criterion=criterion, verified=data["verified"], note=data["note"]
        )
        fresh = next(c for c in selectors.criteria_of(self.requirement) if c.pk == criterion.pk)
        return self.output(fresh)


# Discussion and links ------------------------------------------------------------------------


@extend_schema(parameters=[REQUIREMENT_NUMBER])
class CommentViewSet(mixins.ListModelMixin, RequirementChildViewSet):
    """A requirement's discussion, oldest first. Clients read and write shared comments only
    (what they post is always shared); the author or the manager deletes a comment."""

    serializer_class = CommentSerializer
    lookup_url_kwarg = "id"
    lookup_value_regex = NUMBER
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Comment]:
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return selectors.comment_list(user=self.request.user, requirement=self.requirement)

    def get_object(self) -> Comment:
        comment = self.get_queryset().filter(pk=int(self.kwargs["id"])).first()
        if comment is None:
            raise Http404
        return comment

    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        requirement = self.requirement
        if not policies.can_comment(request.user, requirement):
            raise PermissionDenied()
        data = self.read_input(CommentInputSerializer)
        # The service refuses what the author may not write (a client's internal comment).
        comment = services.comment_create(
            actor=request.user,
            requirement=requirement,
            body=data["body"],
            visibility=data.get("visibility"),
        )
        return self.output(self.get_queryset().get(pk=comment.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={204: None},
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        comment = self.get_object()
        own = comment.author_id == request.user.pk
        if not (own or project_policies.can_manage_project(request.user, self.project)):
            raise PermissionDenied(
                _("Only the author or the project manager can delete this comment.")
            )
        services.comment_delete(actor=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _link_row(direction: str, link: RequirementLink, project_key: str) -> dict[str, Any]:
    def side(requirement: Requirement) -> dict[str, Any]:
        return {
            "key": requirement_key(project_key, requirement.number),
            "number": requirement.number,
            "title": requirement.title,
            "status": requirement.status,
        }

    return {
        "id": link.pk,
        "direction": direction,
        "kind": link.kind,
        "source": side(link.source),
        "target": side(link.target),
        "created_at": link.created_at,
    }


@extend_schema(parameters=[REQUIREMENT_NUMBER])
class LinkViewSet(RequirementChildViewSet):
    """Traceability links from and to a requirement (depends on, refines, conflicts with,
    duplicates), only to requirements the reader can see; the team adds and removes them."""

    serializer_class = LinkSerializer
    lookup_url_kwarg = "id"
    lookup_value_regex = NUMBER
    http_method_names = ["get", "post", "delete", "head", "options"]
    write_policies = {
        "create": policies.can_edit_requirements,
        "destroy": policies.can_edit_requirements,
    }

    def links(self) -> list[tuple[str, RequirementLink]]:
        return selectors.link_list(user=self.request.user, requirement=self.requirement)

    def rows(self, links: Iterable[tuple[str, RequirementLink]]) -> list[dict[str, Any]]:
        return [_link_row(direction, link, self.project.key) for direction, link in links]

    def get_object(self) -> RequirementLink:
        wanted = int(self.kwargs["id"])
        for _direction, link in self.links():
            if link.pk == wanted:
                return link
        raise Http404

    @extend_schema(responses=LinkSerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.rows(self.links()))
        return self.get_paginated_response(LinkSerializer(page, many=True).data)

    @extend_schema(request=LinkInputSerializer, responses={201: LinkSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(LinkInputSerializer)
        target = self.requirement_by_number(data["target"], "target")
        link = services.link_create(
            actor=request.user, source=self.requirement, target=target, kind=data["kind"]
        )
        row = next(row for row in self.rows(self.links()) if row["id"] == link.pk)
        return Response(LinkSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={204: None},
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.link_delete(actor=request.user, link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# Client review -------------------------------------------------------------------------------


class SubmissionViewSet(mixins.ListModelMixin, RequirementsViewSet):
    """Requirements put before the client for review, newest first; the project manager submits
    them. Clients see each submission's requirements that are still shared with them."""

    serializer_class = SubmissionSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "head", "options"]
    write_policies = {"create": policies.can_submit}

    def get_queryset(self) -> QuerySet[Submission]:
        if getattr(self, "swagger_fake_view", False):
            return Submission.objects.none()
        visible = self.visible_requirements().values("pk")
        items = SubmissionItem.objects.filter(requirement__in=visible).select_related(
            "requirement", "version"
        )
        submissions = Submission.objects.filter(project=self.project)
        if not project_policies.can_view_internal(self.request.user, self.project):
            # A submission whose requirements were all taken back is not the client's business.
            submissions = submissions.filter(
                Exists(items.filter(submission=OuterRef("pk")).values("pk"))
            )
        return (
            submissions.select_related("submitted_by")
            .prefetch_related(Prefetch("items", queryset=items, to_attr="visible_items"))
            .order_by("-id")
        )

    @extend_schema(request=SubmissionInputSerializer, responses={201: SubmissionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submit requirements for the client's review, all or none; client approvers are
        notified in the app and by e-mail."""
        data = self.read_input(SubmissionInputSerializer)
        requirements = self.requirements_by_number(data["requirements"], "requirements")
        submission = services.requirements_submit(
            actor=request.user,
            project=self.project,
            requirements=requirements,
            message=data["message"],
        )
        return self.output(
            self.get_queryset().get(pk=submission.pk), status=status.HTTP_201_CREATED
        )


class ConfirmationViewSet(RequirementsViewSet):
    """Confirm several submitted requirements at once, from an explicit list (client
    approvers); all or none."""

    serializer_class = DecisionSerializer
    queryset = ClientDecision.objects.none()
    http_method_names = ["post", "options"]
    write_policies = {"create": policies.can_decide}

    @extend_schema(
        request=ConfirmManyInputSerializer, responses={201: DecisionSerializer(many=True)}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(ConfirmManyInputSerializer)
        requirements = self.requirements_by_number(data["requirements"], "requirements")
        made = services.requirements_confirm(
            actor=request.user,
            project=self.project,
            requirements=requirements,
            comment=data["comment"],
        )
        decisions = (
            ClientDecision.objects.filter(pk__in=[d.pk for d in made])
            .select_related("requirement", "version", "decided_by")
            .order_by("requirement__number")
        )
        context = self.get_serializer_context()
        return Response(
            DecisionSerializer(decisions, many=True, context=context).data,
            status=status.HTTP_201_CREATED,
        )


# Baselines -----------------------------------------------------------------------------------


class BaselineViewSet(VersionedDetailMixin, mixins.ListModelMixin, RequirementsViewSet):
    """Named, frozen sets of confirmed requirement versions with a hash over the set; the
    project manager freezes a new one from today's confirmed requirements."""

    serializer_class = BaselineSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "head", "options"]
    write_policies = {"create": policies.can_create_baseline}

    def get_queryset(self) -> QuerySet[Baseline]:
        if getattr(self, "swagger_fake_view", False):
            return Baseline.objects.none()
        return selectors.baseline_list(user=self.request.user, project=self.project)

    def baseline(self, number: int, field: str | None = None) -> Baseline:
        try:
            return selectors.baseline_get(
                user=self.request.user, project=self.project, number=number
            )
        except Http404:
            if field is None:
                raise
            raise ValidationError({field: [texts.NO_SUCH_BASELINE % {"number": number}]}) from None

    def get_object(self) -> Baseline:
        baseline = self.baseline(int(self.kwargs["number"]))
        baseline.item_list = list(selectors.baseline_items(baseline=baseline))
        baseline.item_count = len(baseline.item_list)
        return baseline

    @extend_schema(parameters=[IF_NONE_MATCH], responses=BaselineDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        baseline = self.get_object()
        if not_modified(request, baseline):
            return Response(
                status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_for(baseline)}
            )
        return self.output(baseline, BaselineDetailSerializer)

    @extend_schema(request=BaselineInputSerializer, responses={201: BaselineDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(BaselineInputSerializer)
        baseline = services.baseline_create(actor=request.user, project=self.project, **data)
        self.kwargs["number"] = baseline.number
        return self.output(self.get_object(), BaselineDetailSerializer, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", POSITIVE, required=True, description="The older baseline."),
            OpenApiParameter("to", OpenApiTypes.STR, description=str(texts.COMPARE_TO_HELP)),
        ],
        responses=BaselineCompareSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def compare(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What was added, removed and changed (with version numbers) from one baseline to a
        later one, or to today's confirmed requirements."""
        number_from = integers.number_in(request.query_params.get("from", ""))
        if number_from is None:
            raise ValidationError({"from": [texts.NOT_A_BASELINE_OR_CURRENT]})
        old = self.baseline(number_from, "from")
        raw_to = request.query_params.get("to", "current").strip().lower() or "current"
        if raw_to == "current":
            new = None
        elif integers.number_in(raw_to) is not None:
            new = self.baseline(integers.number_in(raw_to), "to")
        else:
            raise ValidationError({"to": [texts.NOT_A_BASELINE_OR_CURRENT]})
        result = baseline_compare(old, new, user=request.user)
        key = self.project.key

        def side(baseline: Baseline | None) -> dict[str, Any]:
            if baseline is None:
                return {"key": None, "name": str(_("Today")), "content_hash": None}
            return {
                "key": f"{key}-{Baseline.KEY_PREFIX}{baseline.number}",
                "name": baseline.name,
                "content_hash": baseline.content_hash,
            }

        def entry(found: Any, old_version: Any, new_version: Any) -> dict[str, Any]:
            # The title as the version has it; a requirement the reader may not see is only
            # counted (baseline_compare marks it hidden).
            number = None if found.hidden else found.requirement.number
            return {
                "hidden": found.hidden,
                "key": requirement_key(key, number),
                "number": number,
                "title": found.title,
                "from_version": old_version.number if old_version else None,
                "to_version": new_version.number if new_version else None,
            }

        body = {
            "from_baseline": side(old),
            "to_baseline": side(new),
            "added": [entry(e, None, e.version) for e in result.added],
            "removed": [entry(e, e.version, None) for e in result.removed],
            "changed": [entry(c, c.old_version, c.new_version) for c in result.changed],
            "unchanged": result.unchanged,
        }
        return Response(BaselineCompareSerializer(body).data)
