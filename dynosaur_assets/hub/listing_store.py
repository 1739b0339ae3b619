"""`hub_listing` in the store: a pass over the Hub's listing recorded in one transaction, and which
datasets become (or are read again as) partitions."""

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import duckdb
import pyarrow as pa

from dynosaur_assets.hub.listing import ListedDataset, is_older_than_watermark, listing_record, order_column
from dynosaur_assets.store import table_columns, transaction

BATCH_ROWS = 5_000  # listed datasets staged at once: bounded memory however long the listing
# The pass's datasets not stored with the same sha (once each: a listing that shifts while it is paged
# may give one twice): new ones, and, before the changed rows are deleted, changed ones.
_UNSTORED_PASS = """
    SELECT DISTINCT ON (pass.dataset_id) pass.* FROM temp.listing_pass pass
    WHERE NOT EXISTS (SELECT 1 FROM hub_listing stored
                      WHERE stored.dataset_id = pass.dataset_id AND stored.sha IS NOT DISTINCT FROM pass.sha)"""


@dataclass
class ListingPass:
    """What one pass over the listing saw and wrote."""

    listed: int = 0  # datasets walked (down to the previous pass's watermark, or the whole listing)
    new: int = 0
    changed: int = 0  # listed before with another sha
    new_candidates: int = 0
    reasons: Counter = field(default_factory=Counter)  # new or changed datasets left out, by reason
    watermark: datetime.datetime | None = None  # where the previous pass's datasets began


@dataclass
class PartitionPlan:
    """What the next runs should read: new candidates, partitions whose commit changed, and (for
    `make run`) partitions never read."""

    new: list[str] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)  # (dataset id, listed sha)
    unread: list[str] = field(default_factory=list)
    waiting: int = 0  # candidates left for later ticks by the cap


def record_listing(conn: duckdb.DuckDBPyConnection, listing: Iterable[ListedDataset],
                   listed_at: datetime.datetime, full: bool = False) -> ListingPass:
    """Walk the listing (last modified first) down to the datasets the previous pass saw (unless `full`),
    then write the new and changed rows in one transaction: a pass is stored whole or not at all, so the
    newest modification stored is the watermark of a complete pass."""
    outcome = ListingPass()
    if not full:
        outcome.watermark = _newest_modification(conn)
    columns = [name for name in table_columns(conn, "hub_listing") if name != "first_listed_at"]
    conn.execute(f"CREATE OR REPLACE TEMP TABLE listing_pass AS SELECT {', '.join(columns)} FROM hub_listing LIMIT 0")
    walked = _until_watermark(listing, outcome.watermark)
    while batch := list(islice(walked, BATCH_ROWS)):
        records = [listing_record(item, listed_at) for item in batch]
        staged = pa.table({name: [record[name] for record in records] for name in columns})
        conn.execute("INSERT INTO temp.listing_pass BY NAME SELECT * FROM staged")
        outcome.listed += len(batch)
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE listing_changed AS
        SELECT DISTINCT pass.dataset_id, stored.first_listed_at FROM temp.listing_pass pass
        JOIN hub_listing stored ON stored.dataset_id = pass.dataset_id WHERE pass.sha IS DISTINCT FROM stored.sha""")
    for candidate, reason, is_new, count in conn.execute(f"""
            SELECT candidate, reason, dataset_id NOT IN (SELECT dataset_id FROM temp.listing_changed), count(*)
            FROM ({_UNSTORED_PASS}) GROUP BY ALL""").fetchall():
        outcome.new += count if is_new else 0
        outcome.changed += 0 if is_new else count
        outcome.new_candidates += count if is_new and candidate else 0
        if not candidate:
            outcome.reasons[reason] += count
    if outcome.new or outcome.changed:
        info = {"listed": outcome.listed, "new": outcome.new, "changed": outcome.changed}
        with transaction(conn, "hub listing", info):
            conn.execute("DELETE FROM hub_listing WHERE dataset_id IN (SELECT dataset_id FROM temp.listing_changed)")
            conn.execute(f"""
                INSERT INTO hub_listing BY NAME
                SELECT pass.*, coalesce(changed.first_listed_at, pass.listed_at) AS first_listed_at
                FROM ({_UNSTORED_PASS}) pass LEFT JOIN temp.listing_changed changed USING (dataset_id)""")
    conn.execute("DROP TABLE temp.listing_pass")
    conn.execute("DROP TABLE temp.listing_changed")
    return outcome


def _newest_modification(conn: duckdb.DuckDBPyConnection) -> datetime.datetime | None:
    """The newest `last_modified` stored. Not `max()`: DuckLake 1.5 answers an ungrouped min / max from
    its column statistics, which keep the values of deleted rows (a table's first statistics row too)."""
    newest = conn.execute("SELECT last_modified FROM hub_listing WHERE last_modified IS NOT NULL "
                          "ORDER BY last_modified DESC LIMIT 1").fetchone()
    return newest[0] if newest else None


def _until_watermark(listing: Iterable[ListedDataset], watermark: datetime.datetime | None) -> Iterator[ListedDataset]:
    for item in listing:
        if is_older_than_watermark(item, watermark):
            return
        yield item


def plan_partitions(conn: duckdb.DuckDBPyConnection, partitions: Iterable[str], order: str,
                    max_new: int) -> PartitionPlan:
    """The candidates not yet partitions, in DYNOSAUR_HUB_ORDER (most first, then by id), at most
    `max_new`; the partitions whose listed sha differs from the one their rows were read at (at most
    `max_new`); and the partitions with no `hub_datasets` rows."""
    column = order_column(order)
    known = pa.table({"dataset_id": pa.array(list(partitions), pa.string())})
    conn.register("known_partitions", known)
    try:
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE pending_candidates AS
            SELECT dataset_id, row_number() OVER (ORDER BY {column} DESC NULLS LAST, dataset_id) AS rank
            FROM hub_listing WHERE candidate AND dataset_id NOT IN (SELECT dataset_id FROM known_partitions)""")
        new = conn.execute("SELECT dataset_id FROM temp.pending_candidates WHERE rank <= ? ORDER BY rank",
                           [max_new]).fetchall()
        waiting = conn.execute("SELECT count(*) FROM temp.pending_candidates WHERE rank > ?", [max_new]).fetchone()[0]
        conn.execute("DROP TABLE temp.pending_candidates")
        changed = conn.execute("""
            SELECT listed.dataset_id, listed.sha FROM hub_listing listed
            JOIN (SELECT dataset_id, any_value(sha) AS sha FROM hub_datasets GROUP BY dataset_id) read
              ON read.dataset_id = listed.dataset_id
            WHERE listed.sha <> read.sha AND listed.dataset_id IN (SELECT dataset_id FROM known_partitions)
            ORDER BY listed.dataset_id LIMIT ?""", [max_new]).fetchall()
        unread = conn.execute("""
            SELECT dataset_id FROM known_partitions
            WHERE dataset_id NOT IN (SELECT dataset_id FROM hub_datasets) ORDER BY dataset_id""").fetchall()
    finally:
        conn.unregister("known_partitions")
    return PartitionPlan(new=[row[0] for row in new], changed=[tuple(row) for row in changed],
                         unread=[row[0] for row in unread], waiting=waiting)
