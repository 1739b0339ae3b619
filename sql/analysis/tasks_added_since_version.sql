-- Which tasks were added after a version? `SET VARIABLE since_version = N;` first (default: the last version before the latest run that wrote tasks, as replay_selection's stage).
SET VARIABLE since_version = coalesce(
    getvariable('since_version'),
    (SELECT max(snapshot_id) FROM lake.snapshots()
     WHERE snapshot_id < (SELECT min(snapshot_id) FROM lake.snapshots()
                          WHERE commit_extra_info::JSON->>'run_id' = (
                              SELECT commit_extra_info::JSON->>'run_id' FROM lake.snapshots()
                              WHERE author = 'dynosaur' AND (commit_extra_info::JSON->'rows'->'instructions') IS NOT NULL
                              ORDER BY snapshot_id DESC LIMIT 1))),
    (SELECT max(snapshot_id) FROM lake.snapshots()));
SELECT getvariable('since_version') AS since_version, dataset_id, task_id, designer, instances, instruction
FROM instructions
WHERE (dataset_id, task_id) NOT IN (SELECT (dataset_id, task_id) FROM instructions AT (VERSION => getvariable('since_version')))
ORDER BY dataset_id, task_id;
