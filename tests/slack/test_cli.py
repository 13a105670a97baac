"""`signalroom serve` / `socket` refuse missing credentials with one line and exit 2."""
from __future__ import annotations

from bot.cli import main


def test_serve_without_signing_secret(tmp_path, capsys):
    code = main(["serve", "--port", "0"], env={"SIGNALROOM_DATA_DIR": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-x"})
    err = capsys.readouterr().err
    assert code == 2 and "use 1-65535" in err


def test_serve_names_the_missing_variable(tmp_path, capsys):
    code = main(["serve"], env={"SIGNALROOM_DATA_DIR": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-x"})
    assert code == 2 and "SLACK_SIGNING_SECRET" in capsys.readouterr().err
    code = main(["serve"], env={"SIGNALROOM_DATA_DIR": str(tmp_path), "SLACK_SIGNING_SECRET": "s"})
    assert code == 2 and "SLACK_BOT_TOKEN" in capsys.readouterr().err
    code = main(["serve"], env={"SIGNALROOM_DATA_DIR": str(tmp_path), "SLACK_SIGNING_SECRET": "s",
                                "SLACK_CLIENT_ID": "1.2"})
    assert code == 2 and "SLACK_CLIENT_SECRET" in capsys.readouterr().err


def test_socket_needs_app_token(tmp_path, capsys):
    code = main(["socket"], env={"SIGNALROOM_DATA_DIR": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-x"})
    assert code == 2 and "SLACK_APP_TOKEN" in capsys.readouterr().err
