"""ETag and If-Match for objects with a `version` (optimistic locking over HTTP).

Every detail response carries `ETag: W/"v<version>-<digest>"`, the digest a keyed hash of what
the object is and its version: the tag tells nothing of database ids (a raw row number would
tell a client how many objects of the kind exist on the server). A write that sends
`If-Match` is refused with 412 when the object changed since the client read it; the version
it was checked against goes on to the service as `expected_version`, so a change that lands
between this check and the write is refused there with 409.

The tags are weak because the body also depends on the reader (language, role), not only on
the stored object; If-Match therefore compares them weakly, by their opaque part.
"""

from __future__ import annotations

from typing import Any

from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from accord.core.models import TimeStampedModel

# Keyed on the server's secret: without it nobody can tell which object a tag stands for.
ETAG_SALT = "accord.api.concurrency.etag"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "This object was changed since you loaded it. Fetch it again, then apply your change."
    )
    default_code = "precondition_failed"


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you read; the write is refused with 412 if the object changed since.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag you hold; 304 without a body while it is still current.",
)


def is_versioned(instance: Any) -> bool:
    """Objects with a version counter (optimistic locking); a decision's `version` is a link
    to the requirement version it was made on, not a counter, and gets no ETag."""
    return isinstance(instance, TimeStampedModel)


def etag_for(instance: Any, version: int | None = None) -> str:
    """The instance's ETag at its current version (or at `version`)."""
    version = instance.version if version is None else version
    identity = f"{instance._meta.label_lower}:{instance.pk}:{version}"
    digest = salted_hmac(ETAG_SALT, identity, algorithm="sha256").hexdigest()[:24]
    return f'W/"v{version}-{digest}"'


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(header: str, instance: Any) -> bool:
    """Whether an If-Match / If-None-Match header names the instance's current version."""
    tags = parse_etags(header)
    if "*" in tags:
        return True
    current = _opaque(etag_for(instance))
    return any(_opaque(tag) == current for tag in tags)


def expected_version(request: Request, instance: Any) -> int:
    """Check `If-Match` and return the version the write must apply to.

    Without the header the write applies to the version just read, which still turns a
    concurrent change between this read and the service's locked re-read into a 409.
    """
    header = request.headers.get("If-Match")
    if header and not etag_matches(header, instance):
        raise PreconditionFailed()
    return instance.version


def not_modified(request: Request, instance: Any) -> bool:
    header = request.headers.get("If-None-Match")
    return bool(header) and etag_matches(header, instance)
