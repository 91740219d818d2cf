"""flask commands: migrate, seed, jobs, for scripts and operators."""
from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from storefront import jobs, migrate
from storefront.cli_staff import staff
from storefront.extensions import db, huey
from storefront.models import Product
from storefront.services import demo


def init_app(app: Flask) -> None:
    app.cli.add_command(migrate_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(staff)


@click.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (Alembic)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("schema is current")


@click.command("seed")
@click.option("--reset", is_flag=True, help="Wipe every table first.")
def seed_command(reset: bool) -> None:
    """Load the demo catalogue and QA accounts (only into an empty store unless --reset).
    Never in production: the demo staff account's password is published in the README."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException("flask seed refuses to run with STOREFRONT_ENV=production: "
                                   "it creates demo accounts with published passwords.")
    if reset:
        demo.reset(db.session, staff=_known_staff_password_allowed())
    elif db.session.scalar(select(func.count(Product.id))):
        click.echo("the store already has products; use --reset to start over")
        return
    else:
        demo.seed(db.session, staff=_known_staff_password_allowed())
    click.echo("demo data loaded")


def _known_staff_password_allowed() -> bool:
    """The demo staff account (a published password) exists only in development and QA."""
    return current_app.config["ENV"] == "development" or bool(current_app.config["QA_MODE"])


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs."""


@jobs_group.command("run-due")
def run_due() -> None:
    """Run every job that is due now, once (for cron or tests)."""
    click.echo(jobs.run_due())


@jobs_group.command("worker")
@click.option("--workers", default=2, show_default=True)
def worker(workers: int) -> None:
    """Run the Huey consumer: queued jobs and the periodic ones."""
    huey.immediate = False
    consumer = huey.create_consumer(workers=workers, worker_type="thread")
    consumer.run()
