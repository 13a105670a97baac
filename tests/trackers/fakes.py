"""Fake Jira Cloud (REST v3) and Linear (GraphQL), as strict as the real services where we touch them.

Jira: basic auth required; `POST /rest/api/3/issue` checks `fields.project.key` (a known project, else 400
`errors.project`), `fields.issuetype` (a type of that project), `fields.summary` (a non-empty string of at
most 255) and that `fields.description` is an ADF document (doc/version 1/paragraph/text nodes, link marks
with an href); answers 201 `{id, key, self}`. `GET /rest/api/3/issue/{key}` answers the issue with
`status.statusCategory.key` and `resolutiondate`, 404 with `errorMessages` for one it does not have.
Linear: the key in `Authorization` (no Bearer); `issueCreate` needs a known `teamId` and a title, label ids
must exist; `issue(id:)` takes the UUID or the identifier; errors carry `extensions.code`; `RATELIMITED`
comes with `X-RateLimit-Requests-Reset` in epoch milliseconds. Both serve on loopback (`tests.fakes.loopback`).
"""
from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

import httpx

from tests.fakes.common import FakeAPI, Fault

JIRA_EMAIL, JIRA_TOKEN, LINEAR_KEY = "bot@example.com", "jira-token-123", "lin_api_test_key"


def _adf_problem(doc: Any) -> str | None:
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        return "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    for block in doc.get("content") or []:
        if not isinstance(block, dict) or block.get("type") != "paragraph":
            return "unsupported node in the description"
        for node in block.get("content") or []:
            if node.get("type") != "text" or not isinstance(node.get("text"), str) or not node["text"]:
                return "text nodes need non-empty text"
            for mark in node.get("marks") or []:
                if mark.get("type") == "link" and not (mark.get("attrs") or {}).get("href"):
                    return "a link mark needs attrs.href"
    return None


class FakeJira(FakeAPI):
    def __init__(self, *, projects: dict[str, tuple[str, ...]] | None = None, **kwargs: Any) -> None:
        basic = base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()
        super().__init__(auth=f"Basic {basic}", **kwargs)
        self.projects = dict(projects or {"PAY": ("Bug", "Task")})
        self.issues: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []  # the fields of every issue created, in order

    def resolve(self, key: str, at: datetime, *, status: str = "Done", resolution: str = "Done") -> None:
        issue = self.issues[key]
        issue["fields"]["status"] = {"name": status, "statusCategory": {"key": "done", "name": "Done"}}
        issue["fields"]["resolution"] = {"self": "http://jira.test/rest/api/3/resolution/1", "id": "1",
                                         "name": resolution, "description": ""}
        issue["fields"]["resolutiondate"] = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path == "/rest/api/3/myself":
            return httpx.Response(200, json={"accountId": "5b10a2844c20165700ede21g", "displayName": "Signalroom bot",
                                             "emailAddress": JIRA_EMAIL, "active": True})
        if request.method == "POST" and path == "/rest/api/3/issue":
            if request.headers.get("content-type", "").split(";")[0] != "application/json":
                return httpx.Response(415, json={"errorMessages": ["Unsupported Media Type"]})
            return self._create(json.loads(request.content or b"{}"))
        if request.method == "GET" and path.startswith("/rest/api/3/issue/"):
            issue = self.issues.get(path.rsplit("/", 1)[1])
            if issue is None:
                return httpx.Response(404, json={"errorMessages": [
                    "Issue does not exist or you do not have permission to see it."], "errors": {}})
            wanted = set((request.url.params.get("fields") or "").split(","))
            fields = {k: v for k, v in issue["fields"].items() if not wanted - {""} or k in wanted}
            return httpx.Response(200, json={**issue, "fields": fields})
        return httpx.Response(404, json={"errorMessages": ["Not found"]})

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return httpx.Response(400, json={"errorMessages": ["fields are required"], "errors": {}})
        errors = {}
        project = (fields.get("project") or {}).get("key")
        if project not in self.projects:
            errors["project"] = "valid project is required"
        issuetype = fields.get("issuetype") or {}
        if not issuetype.get("name") and not issuetype.get("id"):
            errors["issuetype"] = "issue type is required"
        elif project in self.projects and issuetype.get("name") not in self.projects[project]:
            errors["issuetype"] = "Specify a valid issue type"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip() or len(summary) > 255 or "\n" in summary:
            errors["summary"] = "You must specify a summary of the issue."
        if "description" in fields and (problem := _adf_problem(fields["description"])):
            errors["description"] = problem
        labels = fields.get("labels", [])
        if not isinstance(labels, list) or any(not isinstance(l, str) or " " in l for l in labels):
            errors["labels"] = "labels cannot contain spaces"
        if errors:
            return httpx.Response(400, json={"errorMessages": [], "errors": errors})
        number = sum(1 for k in self.issues if k.startswith(f"{project}-")) + 1
        key, issue_id = f"{project}-{number}", str(10000 + len(self.issues) + 1)
        self.created.append(fields)
        self.issues[key] = {"id": issue_id, "key": key, "self": f"http://jira.test/rest/api/3/issue/{issue_id}",
                            "fields": {"summary": summary, "resolutiondate": None, "resolution": None,
                                       "status": {"name": "To Do", "statusCategory": {"key": "new", "name": "To Do"}}}}
        return httpx.Response(201, json={"id": issue_id, "key": key, "self": self.issues[key]["self"]})


class FakeLinear(FakeAPI):
    def __init__(self, *, teams: dict[str, str] | None = None, label_ids: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(auth=LINEAR_KEY, **kwargs)
        self.teams = dict(teams or {"team-uuid-1": "ENG"})  # team id -> its key
        self.label_ids = set(label_ids)
        self.issues: dict[str, dict[str, Any]] = {}  # by UUID
        self.created: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.auth is not None and request.headers.get("authorization") != self.auth:
            self.requests.append(request)
            return httpx.Response(400, json={"errors": [{"message": "Authentication required, not authenticated",
                                                         "extensions": {"code": "AUTHENTICATION_ERROR"}}]})
        return super().__call__(request)

    def _fault(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind != "RATELIMITED":
            return super()._fault(fault, request)
        self.count_429 += 1
        reset_ms = int((self.clock() + (fault.retry_after or 1.0)) * 1000)
        return httpx.Response(400, headers={"X-RateLimit-Requests-Limit": "5000",
                                            "X-RateLimit-Requests-Remaining": "0",
                                            "X-RateLimit-Requests-Reset": str(reset_ms)},
                              json={"errors": [{"message": "Rate limit exceeded",
                                                "extensions": {"code": "RATELIMITED"}}]})

    def find(self, identifier: str) -> dict[str, Any] | None:
        return self.issues.get(identifier) or next(
            (i for i in self.issues.values() if i["identifier"] == identifier), None)

    def complete(self, identifier: str, at: datetime) -> None:
        issue = self.find(identifier)
        issue["state"] = {"name": "Done", "type": "completed"}
        issue["completedAt"] = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or request.url.path != "/graphql":
            return httpx.Response(404, json={"errors": [{"message": "Not found"}]})
        body = json.loads(request.content or b"{}")
        query, variables = str(body.get("query") or ""), body.get("variables") or {}
        if "issueCreate" in query:
            return self._create(variables.get("input") or {})
        if "issue(" in query:
            issue = self.find(str(variables.get("id") or ""))
            if issue is None:
                return _error("Entity not found: Issue", "INVALID_INPUT")
            return httpx.Response(200, json={"data": {"issue": issue}})
        if "viewer" in query:
            return httpx.Response(200, json={"data": {"viewer": {"id": "user-1", "name": "Signalroom bot"}}})
        return _error("Cannot query field", "GRAPHQL_VALIDATION_FAILED")

    def _create(self, data: dict[str, Any]) -> httpx.Response:
        if data.get("teamId") not in self.teams:
            return _error("Entity not found: Team - Could not find referenced Team.", "INVALID_INPUT")
        if not isinstance(data.get("title"), str) or not data["title"].strip():
            return _error("Argument Validation Error: title should not be empty", "INVALID_INPUT")
        if any(label not in self.label_ids for label in data.get("labelIds") or []):
            return _error("Entity not found: IssueLabel", "INVALID_INPUT")
        team_key = self.teams[data["teamId"]]
        number = sum(1 for i in self.issues.values() if i["identifier"].startswith(f"{team_key}-")) + 1
        issue_id = str(uuid.UUID(int=len(self.issues) + 1))
        identifier = f"{team_key}-{number}"
        self.created.append(data)
        self.issues[issue_id] = {"id": issue_id, "identifier": identifier, "title": data["title"],
                                 "url": f"https://linear.app/acme/issue/{identifier}", "completedAt": None,
                                 "state": {"name": "Todo", "type": "unstarted"}}
        return httpx.Response(200, json={"data": {"issueCreate": {"success": True, "issue": self.issues[issue_id]}}})


def _error(message: str, code: str) -> httpx.Response:
    return httpx.Response(400, json={"errors": [{"message": message, "extensions": {"code": code}}]})
