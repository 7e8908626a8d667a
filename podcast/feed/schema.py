"""Validate the podcast:* elements of a feed against the Podcasting 2.0 namespace's XSD.

The upstream XSD (shipped unmodified as podcast/data/podcast-namespace.xsd, CC0) covers only
the podcast namespace and declares its elements without a target namespace, so each
podcast:* element is copied with its namespace removed and validated on its own. Tags the
upstream XSD predates (guid, license, txt) are declared in our podcast-namespace-supplement.xsd.
An element declared in neither is reported, so a typo cannot slip through.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .namespaces import PODCAST_NS

_DATA = Path(__file__).resolve().parent.parent / "data"
UPSTREAM_XSD = _DATA / "podcast-namespace.xsd"
SUPPLEMENT_XSD = _DATA / "podcast-namespace-supplement.xsd"


@dataclass(frozen=True)
class SchemaError:
    element: str  # e.g. "podcast:season"
    where: str  # "channel" or the item's guid
    message: str


@cache
def _schemas() -> tuple[Any, Any]:
    import xmlschema

    return xmlschema.XMLSchema(str(UPSTREAM_XSD)), xmlschema.XMLSchema(str(SUPPLEMENT_XSD))


def _strip_namespace(element: Any) -> Any:
    from lxml import etree

    bare = copy.deepcopy(element)
    for el in bare.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = etree.QName(el).localname
    etree.cleanup_namespaces(bare)
    return bare


def validate_element(element: Any) -> list[str]:
    """Problems with one podcast:* lxml element (empty when it validates)."""
    from lxml import etree

    upstream, supplement = _schemas()
    name = etree.QName(element).localname
    schema = upstream if name in upstream.elements else supplement
    if name not in schema.elements:
        return [f"podcast:{name} is not declared by the namespace's XSD"]
    bare = _strip_namespace(element)
    return [_short(err) for err in schema.iter_errors(bare)]


def _short(err: Any) -> str:
    reason = getattr(err, "reason", None) or str(err).splitlines()[0]
    return str(reason).strip()


def _where(element: Any) -> str:
    item = next((a for a in element.iterancestors() if a.tag == "item"), None)
    if item is None:
        return "channel"
    guid = item.findtext("guid")
    return f"item {guid}" if guid else "item"


def validate_feed(root: Any) -> list[SchemaError]:
    """Validate every podcast:* element (at any depth) of a parsed feed."""
    from lxml import etree

    errors = []
    for element in root.iter(f"{{{PODCAST_NS}}}*"):
        parent = element.getparent()
        if parent is not None and etree.QName(parent).namespace == PODCAST_NS:
            continue  # validated as part of its parent (podcast:value/valueRecipient)
        name = "podcast:" + etree.QName(element).localname
        for message in validate_element(element):
            errors.append(SchemaError(name, _where(element), message))
    return errors
