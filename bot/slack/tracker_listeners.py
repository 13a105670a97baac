""""Create issue": the button on digest themes, trigger alerts and decision-log entries, and its two modals.

Click (admins and owners only) → the create modal, prefilled (bot/slack/tracker_drafts.py), or, when the subject
already has an open issue, the "Link to existing" modal showing it. Submitting the create modal validates the
form and acks; the lazy part creates the issue on the tracker and links it (bot/trackers/links.py), then tells
the user and the thread. The words are in templates/tracker_*.
"""
from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.blocks import render
from bot.errors import UsageError
from bot.slack import tracker_drafts as drafts
from bot.slack import tracker_ids as t
from bot.slack.present import render_view
from bot.slack.request import Request, answer_user, replying, team_settings
from bot.storage.models import Action, TriggerRow
from bot.trackers import clients
from bot.trackers.links import AlreadyLinkedError, Subject, create_issue, link_existing, open_link
from integrations.trackers.base import IssueDraft, TrackerError

log = logging.getLogger(__name__)
NAMES = {"jira": "Jira", "linear": "Linear"}


def register(app: App) -> None:
    ack_only = lambda ack: ack()  # noqa: E731
    app.action(t.CREATE_ISSUE)(ack=ack_only, lazy=[on_click])
    app.view(t.CREATE_VIEW)(ack=ack_create, lazy=[after_create])
    app.view(t.LINK_VIEW)(ack=ack_link, lazy=[after_link])


def _request(body: dict, context: BoltContext, client: WebClient) -> Request:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Request(context["services"], context["db"], context["workspace_id"], body["user"]["id"], channel, client,
                   body.get("trigger_id"))


def thread_url(body: dict) -> str | None:
    """A link to the clicked message (its thread when it is a reply), from the payload's team domain."""
    domain = (body.get("team") or {}).get("domain")
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if not (domain and channel and message.get("ts")):
        return None
    url = f"https://{domain}.slack.com/archives/{channel}/p{message['ts'].replace('.', '')}"
    thread = message.get("thread_ts")
    return f"{url}?thread_ts={thread}&cid={channel}" if thread and thread != message["ts"] else url


def may_create(r: Request, session, subject: Subject) -> bool:
    """Admins, and owners: a playbook's owner (a theme), the trigger's playbook or action owner, the action's owner."""
    if r.is_admin:
        return True
    settings = r.settings  # the workspace's playbooks (stored owners too), not the config file's
    owners = {p.owner for p in settings.file.playbooks.values()}
    if subject.kind == "trigger":
        trigger = session.get(TriggerRow, int(subject.key))
        if trigger is None or trigger.workspace_id != r.workspace_id:
            return False
        playbook = settings.file.playbooks.get(trigger.playbook) if trigger.playbook else None
        owners = {playbook.owner} if playbook else set()
        owners |= {a.owner for a in session.query(Action).filter_by(workspace_id=r.workspace_id,
                                                                     trigger_id=int(subject.key))}
    elif subject.kind == "action":
        action = session.get(Action, int(subject.key))
        owners = {action.owner} if action is not None and action.workspace_id == r.workspace_id else set()
    return r.user in owners


def _subject(value: str) -> tuple[Subject, date | None]:
    try:
        data = json.loads(value)
        subject = Subject(str(data["k"]), str(data["s"]))
        week = date.fromisoformat(data["w"]) if data.get("w") else None
        if subject.kind != "theme" and not subject.key.isdigit():
            raise ValueError(subject.key)
    except (ValueError, KeyError, TypeError):
        raise UsageError("this button carries no theme, alert or action") from None
    return subject, week


def on_click(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    with replying(context, respond):
        r = _request(body, context, client)
        settings = r.settings  # the workspace's own trackers (bot/workspaces/integrations.py)
        subject, week = _subject(str(body["actions"][0].get("value", "")))
        trackers = clients.configured(settings)
        if not trackers:
            raise UsageError("no issue tracker is set up for this workspace: an operator stores its credentials "
                             "with `signalroom integration add jira|linear` (README: Jira and Linear)")
        with r.db.transaction() as session:
            if not may_create(r, session, subject):
                raise UsageError("only admins and owners can create issues from here")
            link = open_link(session, workspace_id=r.workspace_id, subject=subject)
            url = thread_url(body)
            metadata: dict[str, Any] = {"k": subject.kind, "s": subject.key, "ch": r.channel,
                                        "ts": (body.get("message") or {}).get("thread_ts")
                                        or (body.get("message") or {}).get("ts")}
            if link is not None:
                metadata["title"] = link.subject_title[:300]
                view = render_view("tracker_link_modal", t=t, link=link, subject=link.subject_title or subject.key,
                                   private_metadata=json.dumps(metadata))
            else:
                prefill = _prefill(session, r, subject, week, url)
                metadata["title"] = prefill.subject.title[:300]
                view = render_view(
                    "tracker_create_modal", t=t, trackers=trackers, names=NAMES, title=prefill.title,
                    description=prefill.description, private_metadata=json.dumps(metadata),
                    projects={tr: clients.default_project(settings, tr) for tr in trackers},
                    issue_type=settings.file.trackers.jira.issue_type)
        if not r.trigger_id:
            raise UsageError("Slack sent no trigger for a form; click again")
        r.services.notifier(r.client).open_view(r.trigger_id, view)


def _prefill(session, r: Request, subject: Subject, week: date | None, url: str | None) -> drafts.Prefill:
    settings = r.settings
    if subject.kind == "theme":
        from bot.themes.weekly import last_complete_week

        return drafts.theme_prefill(session, settings, workspace_id=r.workspace_id, theme_id=subject.key,
                                    week=week or last_complete_week(r.services.today()), thread_url=url)
    if subject.kind == "trigger":
        return drafts.trigger_prefill(session, settings, workspace_id=r.workspace_id, trigger_id=int(subject.key),
                                      thread_url=url)
    return drafts.action_prefill(session, settings, workspace_id=r.workspace_id, action_id=int(subject.key),
                                 thread_url=url)


def _value(view: dict, block: str, action: str) -> str:
    element = view["state"]["values"].get(block, {}).get(action, {})
    option = element.get("selected_option")
    return str(option["value"] if option else element.get("value") or "").strip()


def ack_create(ack, body: dict, view: dict, context: BoltContext) -> None:
    # Read once for the ack and its lazy after_create (RequestDb.settings), as Request.settings does.
    settings = context["db"].settings.get(lambda: team_settings(context["services"], context["workspace_id"]))
    trackers = clients.configured(settings)
    tracker = _value(view, t.TRACKER_BLOCK, t.TRACKER_INPUT) or (trackers[0] if trackers else "")
    title = _value(view, t.TITLE_BLOCK, t.TITLE_INPUT)
    project = _value(view, t.PROJECT_BLOCK, t.PROJECT_INPUT) or clients.default_project(settings, tracker)
    labels = tuple(x.strip() for x in _value(view, t.LABELS_BLOCK, t.LABELS_INPUT).split(",") if x.strip()) \
        or clients.default_labels(settings, tracker)
    errors = {}
    if tracker not in trackers:
        errors[t.TRACKER_BLOCK] = "pick a tracker that is set up"
    if not title or "\n" in title:
        errors[t.TITLE_BLOCK] = "give the issue a one-line title"
    if not project:
        errors[t.PROJECT_BLOCK] = ("the Jira project key, like PAY" if tracker == "jira" else "the Linear team id")
    if tracker == "jira" and any(" " in label for label in labels):
        errors[t.LABELS_BLOCK] = "Jira labels cannot contain spaces"
    if errors:
        return ack(response_action="errors", errors=errors)
    issue_type = _value(view, t.TYPE_BLOCK, t.TYPE_INPUT) or settings.file.trackers.jira.issue_type
    context["tracker_draft"] = {"tracker": tracker, "title": title, "project": project, "issue_type": issue_type,
                                "labels": list(labels), "description": _value(view, t.BODY_BLOCK, t.BODY_INPUT)}
    ack()


def ack_link(ack, body: dict, view: dict, context: BoltContext) -> None:
    key = _value(view, t.KEY_BLOCK, t.KEY_INPUT).upper()
    if not key or " " in key:
        return ack(response_action="errors", errors={t.KEY_BLOCK: "an issue key, like PAY-142"})
    context["tracker_key"] = key
    ack()


def _metadata(view: dict) -> tuple[Subject, dict[str, Any]]:
    data = json.loads(view.get("private_metadata") or "{}")
    return Subject(data["k"], data["s"], data.get("title") or ""), data


def _tell(context: BoltContext, r: Request, data: dict, message, *, thread: bool) -> None:
    answer_user(None, message, context)
    if thread and data.get("ch") and data.get("ts"):
        try:
            r.services.notifier(r.client).post(data["ch"], message, thread_ts=data["ts"])
        except Exception:  # noqa: BLE001 - the issue exists and is linked; the thread note is a courtesy
            log.warning("could not post the issue into the thread", exc_info=True)


def after_create(body: dict, context: BoltContext, client: WebClient) -> None:
    if "tracker_draft" not in context:
        return
    with replying(context, None):
        r, draft = _request(body, context, client), context["tracker_draft"]
        subject, data = _metadata(body["view"])
        services = r.services
        tracker = clients.make_client(r.settings, draft["tracker"], sleep=services.sleep)
        try:
            link = create_issue(services.session_factory, tracker, workspace_id=r.workspace_id, subject=subject,
                                draft=IssueDraft(draft["title"], draft["description"], draft["project"],
                                                 draft["issue_type"], tuple(draft["labels"])),
                                user=r.user, now=services.now())
        except AlreadyLinkedError as exc:
            return _tell(context, r, data, render("tracker_result", kind="already", link=exc.link,
                                                  subject=subject.title or subject.key, user=r.user), thread=False)
        except TrackerError as exc:
            return _tell(context, r, data, render("tracker_result", kind="failed", link=None, problem=str(exc),
                                                  subject=subject.title, user=r.user), thread=False)
        finally:
            tracker.close()
        _tell(context, r, data, render("tracker_result", kind="created", link=link,
                                       subject=subject.title or subject.key, user=r.user), thread=True)


def after_link(body: dict, context: BoltContext, client: WebClient) -> None:
    if "tracker_key" not in context:
        return
    with replying(context, None):
        r = _request(body, context, client)
        subject, data = _metadata(body["view"])
        services, key = r.services, context["tracker_key"]
        with r.db.transaction() as session:
            current = open_link(session, workspace_id=r.workspace_id, subject=subject)
            linked_on = current.tracker if current is not None else None
        trackers = clients.configured(r.settings)
        tracker_name = linked_on or (trackers[0] if trackers else None)
        if tracker_name is None:
            raise UsageError(f"{key} was not linked: no issue tracker is set up for this workspace any more")
        tracker = clients.make_client(r.settings, tracker_name, sleep=services.sleep)
        try:
            link = link_existing(services.session_factory, tracker, workspace_id=r.workspace_id, subject=subject,
                                 key=key, user=r.user, now=services.now())
        except TrackerError as exc:
            raise UsageError(f"{key} was not linked: {exc}") from None
        finally:
            tracker.close()
        _tell(context, r, data, render("tracker_result", kind="linked", link=link,
                                       subject=subject.title or subject.key, user=r.user), thread=True)
