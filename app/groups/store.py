"""Writing a connection's group list, one statement for the whole list: what the
worker's sync job (workers/groups.py) and the WhatsApp-Web runner (runner/store.py)
both store. Groups no longer listed are removed; a group contact that still carries
its bare id as name (ingest names an unknown group so) takes the listed name."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from providers.base import GroupInfo

# $1 organization, $2 connection, $3 ids, $4 names, $5 participant counts.
STORE_GROUPS = """
WITH listed AS (
  SELECT * FROM unnest($3::text[], $4::text[], $5::int[]) AS t(group_id, name, participants)
), upserted AS (
  INSERT INTO connection_group (organization_id, connection_id, group_id, name, participants)
  SELECT $1, $2, group_id, name, participants FROM listed
  ON CONFLICT (connection_id, group_id) DO UPDATE
    SET name = EXCLUDED.name, participants = EXCLUDED.participants, synced_at = now()
  RETURNING group_id
), renamed AS (
  UPDATE contact c SET name = l.name, updated_at = now()
  FROM contact_identity ci JOIN listed l ON l.group_id = ci.value
  WHERE ci.connection_id = $2 AND ci.kind = 'group' AND c.id = ci.contact_id
    AND l.name <> l.group_id AND (c.name IS NULL OR c.name = ci.value)
  RETURNING c.id
)
DELETE FROM connection_group g
WHERE g.connection_id = $2 AND NOT (g.group_id = ANY($3::text[]))
"""
_NAME_LIMIT = 300
_ID_LIMIT = 128


def store_params(
    organization_id: uuid.UUID | str, connection_id: uuid.UUID | str, groups: Sequence[GroupInfo]
) -> tuple[Any, ...]:
    """The arguments of STORE_GROUPS; ids too long for the column are left out (no
    provider's group id comes near it)."""
    kept = {g.id: g for g in groups if 0 < len(g.id) <= _ID_LIMIT}
    return (
        uuid.UUID(str(organization_id)),
        uuid.UUID(str(connection_id)),
        list(kept),
        [g.name[:_NAME_LIMIT] for g in kept.values()],
        [max(0, g.participants) for g in kept.values()],
    )
