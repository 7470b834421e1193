"""Every answer of the API, checked against the GeoReport v2 schema (georeport_v2.xsd) in both formats.

XML is validated as it is; JSON is turned back into XML by the Spark convention the specification names (an array
is the list element's children, null an empty element) and validated the same way, so both formats carry the same
field names. A GET is also asked in the other format, and the two must say the same by the Spark convention.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import xmlschema

SCHEMA = xmlschema.XMLSchema10(Path(__file__).with_name("georeport_v2.xsd"))
API = "/open311/v2/"
# Each list and its items' name, as the specification's documents (and FixMyStreet's reader) name them.
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "endpoints": "endpoint", "formats": "format", "errors": "error", "service_request_updates": "request_update"}
ROOTS = {"Discovery": "discovery", "Services": "services", "ServiceDefinition": "service_definition",
         "ServiceRequests": "service_requests", "PostedRequests": "service_requests",
         "TokenRequests": "service_requests", "ServiceRequestUpdates": "service_request_updates", "Errors": "errors"}
MEDIA = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def expected_type(method: str, path: str, status: int) -> str:
    """The schema's type of the answer to `method path` (the API's path, format included) with `status`."""
    resource = path.removeprefix(API).rsplit(".", 1)[0]
    if status >= 400:
        return "Errors"
    if resource == "requests":
        return "PostedRequests" if method == "POST" else "ServiceRequests"
    head = resource.split("/", 1)[0]
    found = {"discovery": "Discovery", "services": "ServiceDefinition" if "/" in resource else "Services",
             "requests": "ServiceRequests", "tokens": "TokenRequests",
             "servicerequestupdates": "ServiceRequestUpdates"}.get(head)
    assert found is not None, f"no schema type for {method} {path}"
    return found


def flat(value: Any) -> Any:
    """A JSON value with its leaves as the XML's text: booleans as true/false, null as empty, numbers as written."""
    if isinstance(value, dict):
        return {key: flat(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [flat(inner) for inner in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def spark(element: ElementTree.Element) -> Any:
    """The JSON an XML element is by the Spark convention, its leaves as text."""
    if element.tag in ITEMS and (len(element) or not element.text):
        assert {child.tag for child in element} <= {ITEMS[element.tag]}, (element.tag, [c.tag for c in element])
        return [spark(child) for child in element]
    if len(element):
        tags = [child.tag for child in element]
        assert len(set(tags)) == len(tags), f"{element.tag} repeats a field: {tags}"
        return {child.tag: spark(child) for child in element}
    return element.text or ""


def as_xml(tag: str, value: Any) -> ElementTree.Element:
    """The XML element a JSON value is by the Spark convention (the inverse of `spark`)."""
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        element.extend(as_xml(name, inner) for name, inner in value.items())
    elif isinstance(value, list):
        assert tag in ITEMS, f"{tag} is no list of the specification"
        element.extend(as_xml(ITEMS[tag], inner) for inner in value)
    else:
        element.text = flat(value)
    return element


def conforms(type_name: str, element: ElementTree.Element) -> None:
    """The element is the schema's `type_name`, under that type's root name."""
    assert element.tag == ROOTS[type_name], (element.tag, type_name)
    problems = [str(error) for error in SCHEMA.types[type_name].iter_errors(element)]
    assert not problems, f"not a GeoReport v2 {type_name}:\n" + "\n".join(problems)


def parsed(response: httpx.Response) -> ElementTree.Element:
    """The answer as XML (JSON turned into XML by the Spark convention), its encoding and media type checked."""
    fmt = "json" if response.url.path.endswith(".json") else "xml"
    if response.status_code >= 400 and not response.headers.get("content-type", "").startswith(MEDIA["json"]):
        fmt = "xml"  # a path in no format (e.g. /media/…) is refused in XML, the required format
    assert response.headers["content-type"] == MEDIA[fmt], (response.url, response.headers.get("content-type"))
    text = response.content.decode("utf-8")  # UTF-8 everywhere: a wrong byte fails here
    if fmt == "xml":
        assert response.content.startswith(DECLARATION + b"\n"), response.content[:60]
        return ElementTree.fromstring(response.content)
    kind = expected_type(response.request.method, response.url.path, response.status_code)
    return as_xml(ROOTS[kind], json.loads(text))


async def check(response: httpx.Response, twin: httpx.AsyncClient) -> None:
    """The answer is its endpoint's document in the schema; a GET says the same in the other format."""
    path = response.url.path
    if not path.startswith(API) or response.status_code == 204 or response.request.method == "OPTIONS":
        return
    if response.headers.get("content-type", "").startswith("image/"):
        return  # a proof photo
    await response.aread()
    kind = expected_type(response.request.method, path, response.status_code)
    conforms(kind, parsed(response))
    if response.request.method != "GET" or not path.endswith((".xml", ".json")):
        return
    other = path[:-4] + ".json" if path.endswith(".xml") else path[:-5] + ".xml"
    again = await twin.get(response.url.copy_with(path=other))
    assert again.status_code == response.status_code, (other, again.text, response.text)
    conforms(kind, parsed(again))
    as_json, as_xml_answer = (response, again) if path.endswith(".json") else (again, response)
    if as_json.headers["content-type"] != MEDIA["json"]:
        return  # a refusal of no resource is in XML whatever the path's ending (test_errors checks it)
    said_json, said_xml = flat(json.loads(as_json.content)), spark(ElementTree.fromstring(as_xml_answer.content))
    assert said_json == said_xml, f"{path}: JSON and XML differ: {difference(said_json, said_xml)}"


def difference(left: Any, right: Any, where: str = "") -> str:
    """Where two JSON values first differ, for the failure message."""
    if isinstance(left, dict) and isinstance(right, dict):
        if list(left) != list(right):
            return f"{where or '/'}: fields {list(left)} against {list(right)}"
        return next((difference(left[k], right[k], f"{where}/{k}") for k in left if left[k] != right[k]), "")
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        pairs = enumerate(zip(left, right, strict=True))
        return next((difference(a, b, f"{where}/{i}") for i, (a, b) in pairs if a != b), "")
    return f"{where or '/'}: {left!r} against {right!r}"
