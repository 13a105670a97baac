"""Reference-data endpoints of the fake helpdesks: agents, groups, organizations, brands, contacts.

Shaped on the vendors' documented responses and paged as strictly as the real
APIs (page-size caps answered with 400, opaque cursors, a 404 for a cursor the
server never issued). Each vendor fake owns a `References` store and asks
`answer(request)` first; `None` means "not a reference path".
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fakes.common import FakeAPI


def _cursor(index: int) -> str:
    return base64.b64encode(f"ref|{index}".encode()).decode()


def _uncursor(value: str) -> int | None:
    try:
        kind, index = base64.b64decode(value).decode().split("|")
        return int(index) if kind == "ref" else None
    except (ValueError, UnicodeDecodeError):
        return None


# -- record factories (documented shapes) ---------------------------------------------------------

def zendesk_user(user_id: int, name: str, email: str, *, role: str = "agent", active: bool = True) -> dict:
    return {"id": user_id, "url": f"https://example.zendesk.com/api/v2/users/{user_id}.json", "name": name,
            "email": email, "role": role, "active": active, "suspended": False, "verified": True,
            "organization_id": None, "time_zone": "Berlin", "created_at": "2019-01-01T00:00:00Z",
            "updated_at": "2023-01-01T00:00:00Z"}


def zendesk_group(group_id: int, name: str, *, deleted: bool = False) -> dict:
    return {"id": group_id, "url": f"https://example.zendesk.com/api/v2/groups/{group_id}.json", "name": name,
            "description": "", "default": False, "deleted": deleted, "is_public": True,
            "created_at": "2019-01-01T00:00:00Z", "updated_at": "2023-01-01T00:00:00Z"}


def zendesk_organization(org_id: int, name: str, domains: list[str], *, updated_ts: int = 1_690_000_000) -> dict:
    return {"id": org_id, "url": f"https://example.zendesk.com/api/v2/organizations/{org_id}.json", "name": name,
            "domain_names": domains, "details": "", "notes": "", "group_id": None, "shared_tickets": False,
            "tags": [], "external_id": None, "deleted_at": None, "created_at": "2019-01-01T00:00:00Z",
            "updated_at": _iso(updated_ts), "_ts": updated_ts}


def zendesk_brand(brand_id: int, name: str, subdomain: str) -> dict:
    return {"id": brand_id, "url": f"https://example.zendesk.com/api/v2/brands/{brand_id}.json", "name": name,
            "brand_url": f"https://{subdomain}.zendesk.com", "subdomain": subdomain, "host_mapping": None,
            "active": True, "default": False, "created_at": "2019-01-01T00:00:00Z"}


def freshdesk_agent(agent_id: int, name: str, email: str, *, active: bool = True) -> dict:
    return {"available": True, "occasional": False, "id": agent_id, "signature": None, "ticket_scope": 1,
            "group_ids": [], "role_ids": [1], "skill_ids": [], "available_since": None, "type": "support_agent",
            "created_at": "2019-01-01T00:00:00Z", "updated_at": "2023-01-01T00:00:00Z",
            "contact": {"active": active, "email": email, "job_title": None, "language": "en",
                        "last_login_at": None, "mobile": None, "name": name, "phone": None,
                        "time_zone": "Berlin", "created_at": "2019-01-01T00:00:00Z",
                        "updated_at": "2023-01-01T00:00:00Z"}}


def freshdesk_group(group_id: int, name: str) -> dict:
    return {"id": group_id, "name": name, "description": None, "escalate_to": None, "unassigned_for": None,
            "business_hour_id": None, "group_type": "support_agent_group", "created_at": "2019-01-01T00:00:00Z",
            "updated_at": "2023-01-01T00:00:00Z"}


def freshdesk_company(company_id: int, name: str, domains: list[str]) -> dict:
    return {"id": company_id, "name": name, "description": None, "domains": domains, "note": None,
            "health_score": None, "account_tier": None, "renewal_date": None, "industry": None,
            "custom_fields": {}, "created_at": "2019-01-01T00:00:00Z", "updated_at": "2023-01-01T00:00:00Z"}


def intercom_admin(admin_id: str, name: str, email: str, *, seat: bool = True) -> dict:
    return {"type": "admin", "id": admin_id, "name": name, "email": email, "job_title": "Support",
            "away_mode_enabled": False, "away_mode_reassign": False, "has_inbox_seat": seat, "team_ids": [],
            "avatar": {"type": "avatar", "image_url": None}}


def intercom_team(team_id: str, name: str) -> dict:
    return {"type": "team", "id": team_id, "name": name, "admin_ids": []}


def intercom_company(company_id: str, name: str, website: str | None = None) -> dict:
    return {"type": "company", "id": company_id, "name": name, "company_id": f"ext-{company_id}",
            "app_id": "abc123", "website": website, "plan": {}, "size": 0, "industry": None,
            "remote_created_at": 0, "created_at": 1_600_000_000, "updated_at": 1_690_000_000,
            "last_request_at": 1_690_000_000, "monthly_spend": 0, "session_count": 0, "user_count": 1,
            "custom_attributes": {}, "tags": {"type": "tag.list", "tags": []},
            "segments": {"type": "segment.list", "segments": []}}


def intercom_contact(contact_id: str, company_ids: list[str], *, updated_ts: int = 1_700_000_000) -> dict:
    return {"type": "contact", "id": contact_id, "workspace_id": "abc123", "external_id": None, "role": "user",
            "email": f"{contact_id}@customer.example", "name": f"Customer {contact_id}", "updated_at": updated_ts,
            "created_at": updated_ts - 86400,
            "companies": {"type": "list", "url": f"/contacts/{contact_id}/companies",
                          "data": [{"id": c, "type": "company", "url": f"/companies/{c}"} for c in company_ids],
                          "total_count": len(company_ids), "has_more": False}}


def _iso(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- stores and endpoints -------------------------------------------------------------------------

@dataclass
class References:
    agents: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    organizations: list[dict] = field(default_factory=list)
    brands: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    export_page_size: int = 1000  # Zendesk's incremental exports answer up to 1000 per page
    scroll_page_size: int = 50
    repeat_cursor: bool = False  # Zendesk lists hand back the request's own cursor (a server-side loop)
    served: dict[str, int] = field(default_factory=dict)
    _scroll_open: int | None = None

    def count(self, path: str) -> None:
        self.served[path] = self.served.get(path, 0) + 1


def _bad(message: str) -> httpx.Response:
    return httpx.Response(400, json={"error": "InvalidParameter", "description": message})


# The credentials' own user: what a connection test asks for (auth is checked by FakeAPI before this).
ME = {"id": 1, "name": "Signalroom Bot", "email": "bot@example.com"}


def zendesk_answer(fake: FakeAPI, refs: References, request: httpx.Request) -> httpx.Response | None:
    path, params = request.url.path, request.url.params
    if path == "/api/v2/users/me.json":
        refs.count(path)
        return httpx.Response(200, json={"user": {**ME, "role": "admin", "url": "https://example.zendesk.com"
                                                  "/api/v2/users/1.json"}})
    lists = {"/api/v2/users": ("users", refs.agents), "/api/v2/groups": ("groups", refs.groups),
             "/api/v2/brands": ("brands", refs.brands)}
    if path in lists:
        refs.count(path)
        key, records = lists[path]
        if key == "users" and params.get_list("role[]"):
            records = [u for u in records if u["role"] in params.get_list("role[]")]
        size = int(params.get("page[size]", 100))
        if size > 100:
            return _bad("page[size] must be at most 100")
        start = 0
        if "page[after]" in params:
            start = _uncursor(params["page[after]"])
            if start is None:
                return _bad("invalid cursor")
        chunk = records[start:start + size]
        more = start + size < len(records)
        after = _cursor(start + size) if more else None
        if refs.repeat_cursor and "page[after]" in params:
            after, more = params["page[after]"], True
        return httpx.Response(200, json={key: chunk, "meta": {"has_more": more, "after_cursor": after,
                                                              "before_cursor": None},
                                         "links": {"prev": None, "next": None}})
    if path == "/api/v2/incremental/organizations":
        refs.count(path)
        if "start_time" not in params:
            return _bad("start_time required")
        start_time = int(params["start_time"])
        if start_time > fake.clock() - 60:  # as the real export answers a start_time within the last minute
            return httpx.Response(422, json={"error": "InvalidValue",
                                             "description": "Too recent start_time. Use a start_time older than one minute"})
        records = sorted((o for o in refs.organizations if o["_ts"] >= start_time), key=lambda o: (o["_ts"], o["id"]))
        chunk = records[:refs.export_page_size]
        end_time = chunk[-1]["_ts"] if chunk else start_time
        body = {"organizations": [{k: v for k, v in o.items() if k != "_ts"} for o in chunk],
                "count": len(chunk), "end_time": end_time, "end_of_stream": len(records) <= refs.export_page_size,
                "next_page": f"https://example.zendesk.com/api/v2/incremental/organizations.json?start_time={end_time}"}
        return httpx.Response(200, json=body)
    return None


def freshdesk_answer(fake: Any, refs: References, request: httpx.Request) -> httpx.Response | None:
    path = request.url.path
    if path == "/api/v2/agents/me":
        refs.count(path)
        return httpx.Response(200, json={"id": ME["id"], "available": True, "contact": {"name": ME["name"],
                                                                                     "email": ME["email"]}})
    lists = {"/api/v2/agents": refs.agents, "/api/v2/groups": refs.groups, "/api/v2/companies": refs.organizations}
    if path not in lists:
        return None
    refs.count(path)
    return fake._paged(request, list(lists[path]))


def intercom_answer(fake: Any, refs: References, request: httpx.Request) -> httpx.Response | None:
    path, params = request.url.path, request.url.params
    if path == "/me" and request.method == "GET":
        refs.count(path)
        return httpx.Response(200, json={"type": "admin", "id": str(ME["id"]), "name": ME["name"], "email": ME["email"]})
    if path == "/admins" and request.method == "GET":
        refs.count(path)
        return httpx.Response(200, json={"type": "admin.list", "admins": refs.agents})
    if path == "/teams" and request.method == "GET":
        refs.count(path)
        return httpx.Response(200, json={"type": "team.list", "teams": refs.groups})
    if path == "/companies/scroll" and request.method == "GET":
        refs.count(path)
        if "scroll_param" in params:
            start = _uncursor(params["scroll_param"])
            if start is None or refs._scroll_open is None:
                return httpx.Response(404, json={"type": "error.list", "errors": [
                    {"code": "not_found", "message": "scroll parameter not found"}]})
        else:
            if refs._scroll_open is not None:  # one scroll per app at a time
                return httpx.Response(400, json={"type": "error.list", "errors": [
                    {"code": "scroll_exists", "message": "scroll already exists for this workspace"}]})
            start = 0
        chunk = refs.organizations[start:start + refs.scroll_page_size]
        refs._scroll_open = None if not chunk else start + len(chunk)
        return httpx.Response(200, json={"type": "list", "data": chunk, "pages": None,
                                         "total_count": len(refs.organizations),
                                         "scroll_param": _cursor(start + len(chunk))})
    if path == "/contacts/search" and request.method == "POST":
        refs.count(path)
        from tests.fakes.intercom import _matches

        body = json.loads(request.content)
        records = sorted((c for c in refs.contacts if _matches(body["query"], c["updated_at"])),
                         key=lambda c: (c["updated_at"], c["id"]))
        pagination = body.get("pagination") or {}
        per_page = int(pagination.get("per_page", 50))
        if per_page > 150:
            return httpx.Response(400, json={"type": "error.list", "errors": [{"code": "parameter_invalid"}]})
        start = 0
        if pagination.get("starting_after"):
            start = _uncursor(pagination["starting_after"])
            if start is None:
                return httpx.Response(400, json={"type": "error.list", "errors": [{"code": "parameter_invalid"}]})
        chunk = records[start:start + per_page]
        pages: dict[str, Any] = {"type": "pages", "page": start // per_page + 1, "per_page": per_page,
                                 "total_pages": max((len(records) + per_page - 1) // per_page, 1)}
        if start + per_page < len(records):
            pages["next"] = {"page": start // per_page + 2, "starting_after": _cursor(start + per_page)}
        return httpx.Response(200, json={"type": "list", "data": chunk, "total_count": len(records), "pages": pages})
    return None
