"""A refusal of an old bot token must not delete the token a reinstall stored since.

A run that started before an uninstall and a reinstall still holds the old token; Slack answers its next post
`token_revoked`. The workspace is installed again, with a new token: that token stays (bot/slack/revocations.py).
"""
from __future__ import annotations

from bot.delivery import NotInstalledError
from bot.slack import revocations
from bot.slack.installations import bot_token_for
from tests.slack.conftest import make_settings
from tests.slack.test_oauth import install, oauth_driver, oauth_env, store_of  # noqa: F401 - the fixture

OLD = "xoxb-installed-T0002"


def test_a_refusal_of_the_old_token_keeps_the_reinstalled_one(oauth_driver, engine, tmp_path):  # noqa: F811
    install(oauth_driver)
    base = make_settings(tmp_path, oauth_env(oauth_driver.slack))
    settings = base.model_copy(update={"file": base.file.model_copy(update={"workspace_id": "T0002"})})
    refused = revocations.on_refused(settings, engine, OLD)  # what the running job's delivery holds

    oauth_driver.slack.revoke(OLD)  # uninstalled, then installed again: a new token
    install(oauth_driver)
    new = bot_token_for(store_of(engine), team_id="T0002")
    assert new not in (None, OLD)

    refused(NotInstalledError("refused", code="token_revoked"))  # the old run's next post is refused
    assert bot_token_for(store_of(engine), team_id="T0002") == new

    oauth_driver.slack.revoke(new)  # the current token refused: it goes
    revocations.on_refused(settings, engine, new)(NotInstalledError("refused", code="token_revoked"))
    assert bot_token_for(store_of(engine), team_id="T0002") is None
