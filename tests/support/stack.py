"""The real PostgreSQL and Redis the test suite runs against, started once per run.

Each test gets its own database cloned from a migrated template (CREATE DATABASE …
TEMPLATE is ~0.1 s) and an empty Redis, so tests can commit freely and never see
each other's rows."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, free_port

TEMPLATE = "balcao_template"
_counter = itertools.count()


@dataclass
class Stack:
    root: Path
    pg: Postgres
    redis: Redis

    @classmethod
    def start(cls) -> Stack:
        # Not under /root or pytest's tmp: the postgres user must be able to enter it.
        root = Path(tempfile.mkdtemp(prefix="balcao-test-", dir="/tmp"))
        root.chmod(0o755)
        stack = cls(
            root, Postgres(root / "pg", free_port(), fast=True), Redis(root / "redis", free_port())
        )
        try:
            stack.pg.start()
            stack.pg.ensure_database(TEMPLATE)
            upgrade(stack.pg.url(TEMPLATE))
            stack.redis.start(persist=False)
        except BaseException:
            stack.stop()
            raise
        return stack

    def stop(self) -> None:
        self.redis.stop()
        self.pg.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def redis_url(self) -> str:
        return self.redis.url

    async def create_database(self) -> str:
        name = f"t_{os.getpid()}_{next(_counter)}"
        conn = await asyncpg.connect(self.pg.admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        finally:
            await conn.close()
        return name

    async def drop_database(self, name: str) -> None:
        conn = await asyncpg.connect(self.pg.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def flush_redis(self) -> None:
        client = aioredis.Redis.from_url(self.redis_url)
        try:
            await client.flushall()
        finally:
            await client.aclose()
