"""``Doc``: a stored MongoDB document as the driver hands it over, before a domain's model reads it.

One alias for every module that touches storage; a document never crosses into ``schemas/`` or a
reply as such (``to_out`` functions turn it into a wire shape).
"""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]
