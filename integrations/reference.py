"""Reference data per source: agents, groups, organizations, brands and contact → organization links.

Tickets carry vendor ids (group 360001234567, assignee 201, organization
6130869157658); these passes fetch what the ids stand for, so names can be
resolved when read. Each vendor's pass yields `ReferencePage`s; a page's
checkpoint (when it has one) is safe to store with its references.

Within each vendor's rate budget (every request goes through the source's
`Requester`, which paces on the rate-limit headers):
- incremental where the API allows it: Zendesk organizations (time-based
  incremental export), Intercom contacts (search on `updated_at`);
- everything else is a list, fetched again only when older than its refresh
  interval (`LIST_REFRESH` for agents, groups, brands and teams; `ORG_REFRESH`
  for organization lists without an incremental endpoint).

Endpoints:
- Zendesk: `GET /api/v2/users?role[]=agent&role[]=admin`, `/api/v2/groups`,
  `/api/v2/brands` (cursor pages: `page[size]`, `meta.has_more`,
  `meta.after_cursor`), `GET /api/v2/incremental/organizations?start_time=T`
  (`organizations`, `end_time`, `end_of_stream`).
- Freshdesk: `GET /api/v2/agents`, `/api/v2/groups`, `/api/v2/companies`
  (`per_page`/`page`, `Link: rel="next"`). Tickets carry `company_id` already.
- Intercom: `GET /admins`, `GET /teams`, `GET /companies/scroll` (`scroll_param`
  until `data` is empty), `POST /contacts/search` (`updated_at >`, cursor pages):
  each contact's first company is the requester → organization link.

Parsers are pure and skip records without an id (nothing to resolve): a bad
reference record never stops a sync. No customer names or emails are kept:
`contact` references hold only the link.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from urllib.parse import urlsplit

from integrations.base import Checkpoint, SourceAuthError, SourceFatalError
from integrations.http import CursorGuard, Requester
from integrations.normalize import ident, mapping

STREAM_PREFIX = "ref_"
LIST_REFRESH = 3600.0  # seconds: agents, groups, brands, teams
ORG_REFRESH = 86400.0  # seconds: organization lists without an incremental endpoint
_LIMITS = {"name": 254, "email": 254, "role": 64, "external_id": 128, "domain": 254}


@dataclass(frozen=True, slots=True)
class Reference:
    """What a vendor id stands for. `kind`: agent, group, organization, brand or contact."""

    kind: str
    external_id: str
    name: str | None = None
    email: str | None = None
    role: str | None = None
    active: bool | None = None
    domains: tuple[str, ...] = ()
    organization_id: str | None = None


Stream = Callable[[], Iterator["ReferencePage"]]


@dataclass(frozen=True, slots=True)
class ReferencePage:
    references: tuple[Reference, ...]
    # None until a list is complete: a pass cut short is fetched again next time.
    checkpoint: Checkpoint | None = None


def _text(value: Any, limit: str) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text[: _LIMITS[limit]] or None


def _id(value: Any) -> str | None:
    key = ident(value)
    return key if key is not None and len(key) <= _LIMITS["external_id"] else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _domains(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return ()
    out = []
    for value in values:
        text = _text(value, "domain")
        if text:
            host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
            host = host.removeprefix("www.")
            if host and host not in out:
                out.append(host)
    return tuple(out)


def _build(kind: str, raw: Any, **fields: Any) -> Reference | None:
    if not isinstance(raw, Mapping):
        return None
    key = _id(raw.get("id"))
    return None if key is None else Reference(kind, key, **fields)


# -- pure parsers, one per vendor record ------------------------------------------------------

def zendesk_user(raw: Any) -> Reference | None:
    r = mapping(raw)
    active = _flag(r.get("active"))
    if r.get("suspended") is True:
        active = False
    return _build("agent", raw, name=_text(r.get("name"), "name"), email=_text(r.get("email"), "email"),
                  role=_text(r.get("role"), "role"), active=active)


def zendesk_group(raw: Any) -> Reference | None:
    r = mapping(raw)
    return _build("group", raw, name=_text(r.get("name"), "name"),
                  active=None if r.get("deleted") is None else r.get("deleted") is not True)


def zendesk_organization(raw: Any) -> Reference | None:
    r = mapping(raw)
    return _build("organization", raw, name=_text(r.get("name"), "name"), domains=_domains(r.get("domain_names")),
                  active=r.get("deleted_at") is None)


def zendesk_brand(raw: Any) -> Reference | None:
    r = mapping(raw)
    return _build("brand", raw, name=_text(r.get("name"), "name"), active=_flag(r.get("active")),
                  domains=_domains([d for d in (r.get("host_mapping"), r.get("brand_url")) if d]))


def freshdesk_agent(raw: Any) -> Reference | None:
    r = mapping(raw)
    contact = mapping(r.get("contact"))
    active = _flag(contact.get("active"))
    if r.get("deactivated") is True:
        active = False
    return _build("agent", raw, name=_text(contact.get("name"), "name"), email=_text(contact.get("email"), "email"),
                  role=_text(r.get("type") or ("occasional" if r.get("occasional") else "agent"), "role"),
                  active=active)


def freshdesk_group(raw: Any) -> Reference | None:
    return _build("group", raw, name=_text(mapping(raw).get("name"), "name"))


def freshdesk_company(raw: Any) -> Reference | None:
    r = mapping(raw)
    return _build("organization", raw, name=_text(r.get("name"), "name"), domains=_domains(r.get("domains")))


def intercom_admin(raw: Any) -> Reference | None:
    r = mapping(raw)
    if r.get("type") not in (None, "admin"):
        return None  # a team listed among admins
    return _build("agent", raw, name=_text(r.get("name"), "name"), email=_text(r.get("email"), "email"),
                  role=_text(r.get("job_title"), "role") or "admin",
                  active=None if r.get("has_inbox_seat") is None else bool(r.get("has_inbox_seat")))


def intercom_team(raw: Any) -> Reference | None:
    return _build("group", raw, name=_text(mapping(raw).get("name"), "name"))


def intercom_company(raw: Any) -> Reference | None:
    r = mapping(raw)
    return _build("organization", raw, name=_text(r.get("name"), "name"), domains=_domains(r.get("website")))


def intercom_contact(raw: Any) -> Reference | None:
    """Only the link: the contact's first company (Intercom's own id, as `companies.data[].id`)."""
    companies = mapping(mapping(raw).get("companies")).get("data")
    first = companies[0] if isinstance(companies, list) and companies else None
    return _build("contact", raw, organization_id=_id(mapping(first).get("id")))


def parse_all(parser: Callable[[Any], Reference | None], records: Any) -> tuple[Reference, ...]:
    if not isinstance(records, list):
        return ()
    return tuple(ref for ref in map(parser, records) if ref is not None)


# -- passes -------------------------------------------------------------------------------------

def _due(saved: Checkpoint | None, now: float, every: float) -> bool:
    fetched = saved.value.get("fetched_at") if saved else None
    return not isinstance(fetched, (int, float)) or now - fetched >= every


def _object(body: Any) -> None:
    if not isinstance(body, Mapping):
        raise ValueError("not an object")


def _list(body: Any) -> None:
    if not isinstance(body, list):
        raise ValueError("not a list")


class ReferencePasses:
    """What the three vendors' passes share: the source's requester, headers and checkpoints."""

    def __init__(self, requester: Requester, *, source: str, base_url: str, headers: Mapping[str, str],
                 page_size: int = 100) -> None:
        self.requester = requester
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        self.page_size = page_size

    def now(self) -> float:
        return self.requester.clock()

    def checkpoint(self, stream: str, value: Mapping[str, Any]) -> Checkpoint:
        return Checkpoint(self.source, STREAM_PREFIX + stream, dict(value))

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None, *, validate=_object) -> tuple[Any, Any]:
        url = path_or_url if path_or_url.startswith("http") else self.base_url + path_or_url
        return self.requester.request_json("GET", url, params=params, headers=self.headers, validate=validate)

    def streams(self, checkpoints: Mapping[str, Checkpoint], start: datetime) -> list[Stream]:
        raise NotImplementedError

    def pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[ReferencePage]:
        """Every stream in turn; one that fails (a scope the token lacks, a loop) does not stop the others.

        The failures are raised together at the end, after the other streams' pages.
        """
        failures = []
        for stream in self.streams(checkpoints, start):
            try:
                yield from stream()
            except (SourceAuthError, SourceFatalError) as error:
                failures.append(str(error))
        if failures:
            raise SourceFatalError("; ".join(failures))

    def listing(self, stream: str, checkpoints: Mapping[str, Checkpoint], every: float,
                fetch: Callable[[], Iterator[tuple[Reference, ...]]]) -> Iterator[ReferencePage]:
        """A whole list, when due: its pages, the last one with the checkpoint that says when it was fetched."""
        if not _due(checkpoints.get(STREAM_PREFIX + stream), self.now(), every):
            return
        started = self.now()
        for refs in fetch():
            yield ReferencePage(refs)
        yield ReferencePage((), self.checkpoint(stream, {"fetched_at": started}))


class ZendeskReferences(ReferencePasses):
    def streams(self, checkpoints: Mapping[str, Checkpoint], start: datetime) -> list[Stream]:
        return [
            lambda: self.listing("agents", checkpoints, LIST_REFRESH, lambda: self._cursor(
                "/api/v2/users", "users", zendesk_user, {"role[]": ["agent", "admin"]})),
            lambda: self.listing("groups", checkpoints, LIST_REFRESH,
                                 lambda: self._cursor("/api/v2/groups", "groups", zendesk_group)),
            lambda: self.listing("brands", checkpoints, LIST_REFRESH,
                                 lambda: self._cursor("/api/v2/brands", "brands", zendesk_brand)),
            lambda: self._organizations(checkpoints, start),
        ]

    def _cursor(self, path: str, key: str, parser, extra: Mapping[str, Any] | None = None):
        guard = CursorGuard(self.source, STREAM_PREFIX + key)
        params: dict[str, Any] = {**(extra or {}), "page[size]": self.page_size}
        while True:
            guard.advance(params)
            body, _ = self.get(path, params)
            yield parse_all(parser, body.get(key))
            meta = mapping(body.get("meta"))
            after = meta.get("after_cursor")
            if not meta.get("has_more") or not after:
                return
            params = {**params, "page[after]": after}

    def _organizations(self, checkpoints: Mapping[str, Checkpoint], start: datetime) -> Iterator[ReferencePage]:
        """Time-based incremental export: from the stored `end_time` (or the sync start), page by `end_time`."""
        saved = checkpoints.get(STREAM_PREFIX + "organizations")
        start_time = saved.value.get("start_time") if saved else None
        if not isinstance(start_time, int):
            start_time = max(int(start.timestamp()), 0)
        # The export refuses a start_time within the last minute ("too recent").
        start_time = min(start_time, int(self.now()) - 61)
        guard = CursorGuard(self.source, STREAM_PREFIX + "organizations")
        while True:
            guard.advance(start_time)
            body, _ = self.get("/api/v2/incremental/organizations", {"start_time": start_time})
            end_time = body.get("end_time")
            refs = parse_all(zendesk_organization, body.get("organizations"))
            if not isinstance(end_time, int):
                yield ReferencePage(refs)
                return
            yield ReferencePage(refs, self.checkpoint("organizations", {"start_time": end_time}))
            if body.get("end_of_stream", True) or end_time == start_time:
                return
            start_time = end_time


class FreshdeskReferences(ReferencePasses):
    def streams(self, checkpoints: Mapping[str, Checkpoint], start: datetime) -> list[Stream]:
        return [
            lambda: self.listing("agents", checkpoints, LIST_REFRESH,
                                 lambda: self._paged("/api/v2/agents", "agents", freshdesk_agent)),
            lambda: self.listing("groups", checkpoints, LIST_REFRESH,
                                 lambda: self._paged("/api/v2/groups", "groups", freshdesk_group)),
            lambda: self.listing("companies", checkpoints, ORG_REFRESH,
                                 lambda: self._paged("/api/v2/companies", "companies", freshdesk_company)),
        ]

    def _paged(self, path: str, stream: str, parser):
        guard = CursorGuard(self.source, STREAM_PREFIX + stream)
        url: str = path
        params: dict[str, Any] | None = {"per_page": self.page_size, "page": 1}
        while True:
            guard.advance([url, params])
            body, response = self.get(url, params, validate=_list)
            yield parse_all(parser, body)
            link = response.links.get("next", {}).get("url")
            if not link:
                return
            url, params = link, None


class IntercomReferences(ReferencePasses):
    def streams(self, checkpoints: Mapping[str, Checkpoint], start: datetime) -> list[Stream]:
        return [
            lambda: self.listing("admins", checkpoints, LIST_REFRESH,
                                 lambda: iter([parse_all(intercom_admin, self.get("/admins")[0].get("admins"))])),
            lambda: self.listing("teams", checkpoints, LIST_REFRESH,
                                 lambda: iter([parse_all(intercom_team, self.get("/teams")[0].get("teams"))])),
            lambda: self.listing("companies", checkpoints, ORG_REFRESH, self._companies),
            lambda: self._contacts(checkpoints, start),
        ]

    def _companies(self):
        """The scroll API (the list endpoint stops at 10,000 companies and needs a write scope)."""
        guard = CursorGuard(self.source, STREAM_PREFIX + "companies")
        params: dict[str, Any] = {}
        while True:
            guard.advance(params)
            body, _ = self.get("/companies/scroll", params)
            data = body.get("data")
            if not isinstance(data, list) or not data:
                return
            yield parse_all(intercom_company, data)
            scroll = body.get("scroll_param")
            if not scroll:
                return
            params = {"scroll_param": scroll}

    def _contacts(self, checkpoints: Mapping[str, Checkpoint], start: datetime) -> Iterator[ReferencePage]:
        """Contacts updated since the checkpoint (ascending), for their company; the checkpoint is the newest seen.

        Only contacts with a company are kept: a contact without one has no link to store.
        """
        saved = checkpoints.get(STREAM_PREFIX + "contacts")
        high = saved.value.get("updated_at") if saved else None
        if not isinstance(high, int):
            high = max(int(start.timestamp()), 0)
        since = high
        guard = CursorGuard(self.source, STREAM_PREFIX + "contacts")
        cursor: str | None = None
        while True:
            guard.advance(cursor)
            pagination: dict[str, Any] = {"per_page": 150}
            if cursor:
                pagination["starting_after"] = cursor
            body, _ = self.requester.request_json(
                "POST", self.base_url + "/contacts/search", headers=self.headers, validate=_object,
                json_body={"query": {"field": "updated_at", "operator": ">", "value": since - 1},
                           "sort": {"field": "updated_at", "order": "ascending"}, "pagination": pagination})
            data = body.get("data") if isinstance(body.get("data"), list) else []
            for record in data:
                stamp = mapping(record).get("updated_at")
                if isinstance(stamp, int) and not isinstance(stamp, bool):
                    high = max(high, stamp)
            refs = tuple(r for r in parse_all(intercom_contact, data) if r.organization_id)
            cursor = mapping(mapping(body.get("pages")).get("next")).get("starting_after")
            # Ascending order: every contact up to `high` has been seen (the next run re-reads that second).
            yield ReferencePage(refs, self.checkpoint("contacts", {"updated_at": high}))
            if not cursor:
                return
