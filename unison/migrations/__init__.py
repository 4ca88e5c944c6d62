"""Alembic migrations, packaged so `unison db upgrade` works from any directory."""

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "unison:migrations")
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)
