"""A writer process for the lake tests: replaces the partitions it is given, each `rounds` times, with
`rows` hub_samples rows each (the row payload names the round), through the project's store.

    python tests/servers/lake_writer.py CATALOG DATA_PATH --datasets a/1,a/2 [--rounds 3] [--rows 50]
                                        [--hold-s S]   (hold the last transaction open S seconds)
"""

import argparse
import json
import sys
import time

from dynosaur_assets.lake import LakeSettings
from dynosaur_assets.store import insert_rows, open_lake, replace_partition, transaction


def rows_of(dataset_id: str, round_: int, count: int) -> list[dict]:
    return [{"dataset_id": dataset_id, "config": "default", "task_name": dataset_id, "split": "train",
             "row_idx": i, "row": json.dumps({"round": round_})} for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("catalog")
    parser.add_argument("data_path")
    parser.add_argument("--datasets", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--hold-s", type=float, default=0.0)
    args = parser.parse_args()
    conn = open_lake(LakeSettings.from_settings(args.catalog, args.data_path))
    for round_ in range(args.rounds):
        for dataset_id in args.datasets.split(","):
            replace_partition(conn, dataset_id, {"hub_samples": rows_of(dataset_id, round_, args.rows)})
    if args.hold_s:
        with transaction(conn, "held"):
            conn.execute("DELETE FROM hub_samples")
            insert_rows(conn, "hub_samples", rows_of("held/partial", 0, args.rows))
            print("holding", flush=True)
            time.sleep(args.hold_s)
    print("done", flush=True)


if __name__ == "__main__":
    sys.exit(main())
