"""Flask commands: `flask seed-demo`."""

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

        added = seed_demo(now())
        db.session.commit()
        click.echo("Demo data loaded." if added else "Demo data already present; nothing added.")
        click.echo("Demo logins (phone, PIN/password, role):")
        for line in demo_logins():
            click.echo(line)
