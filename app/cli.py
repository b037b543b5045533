"""Flask commands: `flask seed-demo`, `flask run-jobs`, `flask set-role`,
`flask backup`, `flask restore`."""

from __future__ import annotations

from pathlib import Path

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
        from app.jobs import run_all  # importing it registers every area's jobs
        from app.timeutil import now

        started = now()
        # The minute names this run: instances started in the same minute run each
        # job on one of them (app/jobs.py).
        minute = started.replace(second=0, microsecond=0)
        for name, done in run_all(started, list(only) or None, minute=minute).items():
            said = "skipped (run by another instance this minute)" if done is None else done
            click.echo(f"{name}: {said}")

    @app.cli.command("set-role")
    @click.argument("phone")
    @click.argument("role", type=click.Choice(["resident", "teacher", "staff", "admin"]))
    @click.option(
        "--password", help="The new password, when a resident becomes teacher/staff/admin."
    )
    @click.option("--pin", help="The new 6-digit PIN, when an account becomes a resident.")
    def set_role_command(phone, role, password, pin):
        """Give the account of PHONE another ROLE (for admins at the server).

        Every session of the account ends. Residents log in with a PIN and everyone
        else with a password: when that changes, give the new one (--password of at
        least 10 characters, or --pin of 6 digits). Audited as done by the system."""
        from app.services.people.login import find_user_by_phone
        from app.services.people.residents import set_role
        from app.services.refusals import DeskRefused
        from app.timeutil import now

        user = find_user_by_phone(phone)
        if user is None:
            raise click.ClickException("No account has this phone number.")
        if pin and role != "resident":
            raise click.ClickException("Only residents log in with a PIN: give --password.")
        if password and role == "resident":
            raise click.ClickException("Residents log in with a PIN: give --pin.")
        before = user.role
        try:
            set_role(
                user,
                role,
                by=None,
                now=now(),
                secret=password or pin,
                hash_method=app.config["PASSWORD_HASH_METHOD"],
            )
        except DeskRefused as refusal:
            db.session.rollback()
            raise click.ClickException(str(refusal)) from None
        db.session.commit()
        click.echo(f"{user.phone}: {before} -> {role}; every session of the account has ended.")

    @app.cli.command("backup")
    @click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path):
        """Write a consistent copy of the database to PATH while the app serves.

        PostgreSQL: pg_dump -Fc (needs the postgresql-client package); SQLite: the
        online backup API. Without PATH: instance/backups/zhaoxi-<date>-<time>."""
        from app.backup import BackupError, backup, default_path
        from app.timeutil import now

        url = db.engine.url
        target = path or default_path(url, Path(app.instance_path), now())
        try:
            written = backup(url, target)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backup written: {written} ({written.stat().st_size} bytes).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def restore_command(path):
        """Restore the backup at PATH into the database of DATABASE_URL, which must be
        empty (a new database); a database with tables is refused and left alone."""
        from app.backup import BackupError, restore

        try:
            restore(db.engine, path)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Restored {path}. Next: flask db upgrade, if the backup is older.")
