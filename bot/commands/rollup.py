"""Recompute daily rollups, zones and triggers (incremental unless --full)."""
from __future__ import annotations

from bot.workspaces.scope import add_workspace_option


def add_arguments(parser) -> None:
    parser.add_argument("--full", action="store_true", help="rebuild every day")
    add_workspace_option(parser)


def run(args, runtime) -> int:
    from bot.metrics.config_map import rollup_settings
    from bot.metrics.rollup import run_rollup

    settings = rollup_settings(runtime.settings)
    report = run_rollup(runtime.session_factory(), workspace_id=runtime.workspace_id, settings=settings,
                        full=args.full, alerts_channel=runtime.settings.file.slack.alerts_channel)
    print(report.summary())
    for e in report.fired:
        seg = f" [{e.dimension}={e.segment}]" if e.dimension else ""
        print(f"  fired {e.rule}{seg} on {e.day}")
    for e in report.recovered:
        seg = f" [{e.dimension}={e.segment}]" if e.dimension else ""
        print(f"  recovered {e.rule}{seg} on {e.day}")
    return 0
