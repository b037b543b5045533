"""Flask commands: `flask seed-demo`, `flask run-jobs`."""

from __future__ import annotations

import click
from flask import Flask

from app.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo programme into an empty database (a second run adds nothing)."""
        from app.demo import demo_logins, seed_demo
        from app.timeutil import now

        pickup_codes: list[str] = []
        added = seed_demo(now(), pickup_codes)
        db.session.commit()
        click.echo("Demo data loaded." if added else "Demo data already present; nothing added.")
        click.echo("Demo logins (phone, PIN/password, role):")
        for line in demo_logins():
            click.echo(line)
        if pickup_codes:
            # Stored hashed: shown this once. A guardian can give a new code on the
            # child's pickup page.
            click.echo("Demo pickup codes (child: who may collect, code), shown only now:")
            for line in pickup_codes:
                click.echo(f"  {line}")

    @app.cli.command("run-jobs")
    @click.option("--only", multiple=True, help="Run just these jobs (by name).")
    def run_jobs_command(only):
        """Run the periodic jobs once (safe every minute, on many instances)."""
        import app.jobs  # noqa: F401  (registers every area's jobs)
        from app.services.jobs import run_all
        from app.timeutil import now

        for name, done in run_all(now(), list(only) or None).items():
            click.echo(
                f"{name}: {'skipped (another run holds the lock)' if done is None else done}"
            )
