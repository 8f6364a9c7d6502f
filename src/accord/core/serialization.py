"""A JSON serializer for backups that keeps full time precision.

Django's JSON encoder cuts datetimes to milliseconds. Audit records hash their time to the
microsecond, so a backup written with it would restore a chain that no longer verifies.
Registered as the `accord_json` format; the files it writes load with the ordinary JSON loader.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import Deserializer as JSONDeserializer
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer

FORMAT_NAME = "accord_json"


class PreciseJSONEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class Serializer(JSONSerializer):
    def _init_options(self) -> None:
        super()._init_options()
        self.json_kwargs["cls"] = PreciseJSONEncoder


Deserializer = JSONDeserializer
