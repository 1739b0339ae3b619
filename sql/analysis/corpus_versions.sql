-- Versions of the corpus: each run's DuckLake snapshots (a version per dataset written), when, and the rows it wrote.
WITH commits AS (
    SELECT snapshot_id, snapshot_time, commit_extra_info::JSON AS info
    FROM lake.snapshots()
    WHERE author = 'dynosaur'
)
SELECT
    info->>'run_id'                                                     AS run_id,
    min(snapshot_id)                                                    AS first_version,
    max(snapshot_id)                                                    AS last_version,
    min(snapshot_time)::TIMESTAMP(0)                                    AS started,
    max(snapshot_time)::TIMESTAMP(0)                                    AS ended,
    count(DISTINCT info->>'dataset_id') FILTER (info->>'dataset_id' <> '') AS datasets,
    sum((info->'rows'->>'instructions')::INTEGER)                       AS tasks_written,
    sum((info->'rows'->>'instruction_samples')::INTEGER)                AS instances_written
FROM commits
GROUP BY run_id
ORDER BY first_version;
