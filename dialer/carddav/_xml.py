"""WebDAV/CardDAV request bodies and multistatus parsing, through ``xml.etree`` (never string slicing).

Namespaces: ``DAV:`` (RFC 4918, RFC 6578), ``urn:ietf:params:xml:ns:carddav`` (RFC 6352) and the
``http://calendarserver.org/ns/`` CTag some servers add. The bodies are built as element trees and
serialised, so hrefs and tokens are escaped by the library.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

DAV = "DAV:"
CARDDAV = "urn:ietf:params:xml:ns:carddav"

ET.register_namespace("d", DAV)
ET.register_namespace("card", CARDDAV)


def d(name: str) -> str:
    return f"{{{DAV}}}{name}"


def c(name: str) -> str:
    return f"{{{CARDDAV}}}{name}"


class MalformedXML(ValueError):
    """The body is not the multistatus the request asks for; the message says what is wrong."""


@dataclass
class Response:
    """One ``DAV:response``: an href, its status (the response's own, or 200 with properties) and props."""

    href: str
    status: int | None  # the response-level status (sync-collection reports removals as 404 here)
    props: dict[str, ET.Element] = field(default_factory=dict)  # found (200) properties by Clark name
    prop_status: dict[str, int] = field(default_factory=dict)  # every property's propstat status

    def text(self, name: str) -> str | None:
        element = self.props.get(name)
        if element is None or element.text is None:
            return None
        return element.text.strip()

    def hrefs(self, name: str) -> list[str]:
        """The ``DAV:href`` children of a property (current-user-principal, addressbook-home-set)."""
        element = self.props.get(name)
        if element is None:
            return []
        return [h.text.strip() for h in element.iter(d("href")) if h.text and h.text.strip()]

    def resource_types(self) -> set[str]:
        element = self.props.get(d("resourcetype"))
        return set() if element is None else {child.tag for child in element}


@dataclass
class Multistatus:
    responses: list[Response]
    sync_token: str | None


def _status_code(text: str | None) -> int | None:
    """``HTTP/1.1 404 Not Found`` -> 404."""
    if not text:
        return None
    parts = text.split()
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    raise MalformedXML(f"a status line the app cannot read ({text.strip()[:60]!r})")


def parse_multistatus(body: bytes) -> Multistatus:
    """Parse a ``207 Multi-Status`` body; :class:`MalformedXML` when it is not one."""
    reader = MultistatusReader()
    responses = reader.feed(body)
    responses += reader.close()
    return Multistatus(responses, reader.sync_token)


class MultistatusReader:
    """A ``207 Multi-Status`` body parsed as it arrives: each ``DAV:response`` is handed out when it is
    complete and then dropped, so a large answer (thousands of vCards) never sits in memory whole."""

    def __init__(self) -> None:
        self._parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        self._root: ET.Element | None = None
        self._depth = 0
        self.sync_token: str | None = None

    def feed(self, data: bytes) -> list[Response]:
        try:
            self._parser.feed(data)
        except ET.ParseError as exc:
            raise MalformedXML(f"the answer is not well-formed XML ({exc})") from None
        return self._collect()

    def close(self) -> list[Response]:
        """The responses still buffered; :class:`MalformedXML` when the body ended early or was no multistatus."""
        try:
            self._parser.close()
        except ET.ParseError as exc:
            raise MalformedXML(f"the answer is not well-formed XML ({exc})") from None
        responses = self._collect()
        if self._root is None:
            raise MalformedXML("the answer is empty")
        return responses

    def _collect(self) -> list[Response]:
        responses: list[Response] = []
        try:
            events: list[tuple[str, ET.Element]] = list(self._parser.read_events())  # type: ignore[arg-type]
        except ET.ParseError as exc:
            raise MalformedXML(f"the answer is not well-formed XML ({exc})") from None
        for event, element in events:
            if event == "start":
                self._depth += 1
                if self._root is None:
                    if element.tag != d("multistatus"):
                        raise MalformedXML(f"expected a DAV:multistatus, got <{element.tag}>")
                    self._root = element
                continue
            self._depth -= 1
            if self._depth != 1 or self._root is None:
                continue  # not a child of the multistatus itself
            if element.tag == d("response"):
                responses.append(_response(element))
                self._root.remove(element)  # handed out: free it
            elif element.tag == d("sync-token"):
                self.sync_token = (element.text or "").strip() or None
        return responses


def _response(element: ET.Element) -> Response:
    href_element = element.find(d("href"))
    if href_element is None or not (href_element.text or "").strip():
        raise MalformedXML("a DAV:response without its DAV:href")
    response = Response(href=(href_element.text or "").strip(),
                        status=_status_code(element.findtext(d("status"))))
    for propstat in element.findall(d("propstat")):
        status = _status_code(propstat.findtext(d("status")))
        prop = propstat.find(d("prop"))
        if prop is None:
            continue
        for child in prop:
            response.prop_status[child.tag] = status or 0
            if status == 200:
                response.props[child.tag] = child
    return response


def error_conditions(body: bytes) -> set[str]:
    """The precondition elements of a ``DAV:error`` body (e.g. ``{DAV:}valid-sync-token``), else empty."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return set()
    if root.tag != d("error"):
        return set()
    return {child.tag for child in root}


def _serialise(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def propfind(*names: str) -> bytes:
    root = ET.Element(d("propfind"))
    prop = ET.SubElement(root, d("prop"))
    for name in names:
        ET.SubElement(prop, name)
    return _serialise(root)


def sync_collection(token: str | None, *, with_data: bool = False) -> bytes:
    """RFC 6578 ``sync-collection``: an empty token asks for every member (the first sync).

    ``with_data`` also asks for each changed card's ``CARDDAV:address-data`` (RFC 6578 section 3.2 lets the
    request name any property): one request instead of a listing plus multigets, where the server obliges.
    """
    root = ET.Element(d("sync-collection"))
    ET.SubElement(root, d("sync-token")).text = token or ""
    ET.SubElement(root, d("sync-level")).text = "1"
    prop = ET.SubElement(root, d("prop"))
    ET.SubElement(prop, d("getetag"))
    if with_data:
        ET.SubElement(prop, c("address-data"))
    return _serialise(root)


def addressbook_multiget(hrefs: list[str]) -> bytes:
    """RFC 6352 section 8.7 ``addressbook-multiget`` for the ETag and vCard of each href."""
    root = ET.Element(c("addressbook-multiget"))
    prop = ET.SubElement(root, d("prop"))
    ET.SubElement(prop, d("getetag"))
    ET.SubElement(prop, c("address-data"))
    for href in hrefs:
        ET.SubElement(root, d("href")).text = href
    return _serialise(root)


def mkcol_addressbook(name: str) -> bytes:
    """An extended MKCOL (RFC 5689) body creating an address book (used by tests and set-up tools)."""
    root = ET.Element(d("mkcol"))
    prop = ET.SubElement(ET.SubElement(root, d("set")), d("prop"))
    resourcetype = ET.SubElement(prop, d("resourcetype"))
    ET.SubElement(resourcetype, d("collection"))
    ET.SubElement(resourcetype, c("addressbook"))
    ET.SubElement(prop, d("displayname")).text = name
    return _serialise(root)


def href_key(href: str) -> str:
    """An href as compared: its decoded path (servers differ in what they percent-encode)."""
    if href.startswith("/") and not href.startswith("//") and not any(ch in href for ch in "%?#\\\t\r\n"):
        return href  # already a plain path (the common case, thousands of times a sync)
    return unquote(urlsplit(href).path)
