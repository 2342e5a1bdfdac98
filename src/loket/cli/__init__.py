"""The `loket` command: the front door. One Typer app, a module per command group, one runner
(`cli/runner.py`); each command is a few lines over a service."""

from __future__ import annotations

import typer

from loket.cli import (
    audit,
    ballot,
    banks,
    calendar,
    db,
    demo,
    fees,
    forecast,
    fraud,
    history,
    node,
    office,
    payments,
    plan,
    privacy,
    quota,
    report,
    serve,
    simulate,
    simulator,
    staff,
    staffing,
    worker,
)

app = typer.Typer(
    help="Loket: the passport service of an immigration office, end to end.\n\n"
    "Set LOKET_DATABASE_URL to choose the database (default sqlite:///./loket.db).",
    no_args_is_help=True,
    add_completion=False,
)
# The order here is the order `loket --help` lists them in.
app.add_typer(db.db_app, name="db")
app.add_typer(demo.demo_app, name="demo")
app.add_typer(office.office_app, name="office")
app.add_typer(calendar.calendar_app, name="calendar")
app.add_typer(quota.quota_app, name="quota")
app.add_typer(payments.payments_app, name="payments")
app.add_typer(staff.staff_app, name="staff")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(ballot.ballot_app, name="ballot")
app.add_typer(fraud.fraud_app, name="fraud")
app.add_typer(banks.banks_app, name="banks")
app.add_typer(fees.fees_app, name="fees")
app.add_typer(privacy.privacy_app, name="privacy")
app.add_typer(report.report_app, name="report")
app.add_typer(forecast.forecast_app, name="forecast")
app.add_typer(staffing.staffing_app, name="staffing")
app.command("simulate")(simulate.simulate)
app.add_typer(simulator.simulator_app, name="simulator")
app.command("plan")(plan.plan)
app.add_typer(history.history_app, name="history")
app.command("serve")(serve.serve)
app.add_typer(node.node_app, name="node")
app.command("worker")(worker.worker)


def main() -> None:
    """Entry point of the `loket` script."""
    app()
