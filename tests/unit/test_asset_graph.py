"""The asset graph as a reviewed snapshot (as dagster-open-platform does): keys, dependencies, groups,
kinds, partitions, automation conditions, checks, jobs and sensors. A change to the graph fails here
until tests/snapshots/asset_graph.json is regenerated with `UPDATE_SNAPSHOTS=1` and reviewed."""

import json
import os

from locations import PROJECT_ROOT

SNAPSHOT = PROJECT_ROOT / "tests" / "snapshots" / "asset_graph.json"


def graph_snapshot() -> dict:
    from dynosaur_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        condition = node.automation_condition
        assets[key.to_user_string()] = {
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "partitions": getattr(partitions, "name", None) or (type(partitions).__name__ if partitions else None),
            "automation": condition.get_label() if condition else None,
            "checks": sorted(check.name for check in node.check_keys),
        }
    return {
        "assets": assets,
        "jobs": {job.name: sorted(key.to_user_string() for key in defs.resolve_job_def(job.name).asset_layer
                                  .executable_asset_keys) for job in defs.jobs or []},
        "sensors": sorted(sensor.name for sensor in defs.sensors or []),
        "resources": sorted(defs.resources),
    }


def test_the_asset_graph_matches_its_reviewed_snapshot():
    current = graph_snapshot()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=2) + "\n")
    assert current == json.loads(SNAPSHOT.read_text()), "regenerate with UPDATE_SNAPSHOTS=1 and review the diff"


def test_the_code_location_loads_as_the_daemon_loads_it():
    """The daemon's code server builds the whole repository: names a plain `Definitions` accepts can still
    clash there (a job named like an asset did, and every run of `make run` then waited for nothing)."""
    from dynosaur_assets.definitions import defs

    import dagster as dg

    dg.Definitions.validate_loadable(defs)
