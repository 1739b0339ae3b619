-- The corpus as of a version: tasks and instances per designer at `SET VARIABLE as_of_version = N;` (default: the latest).
SET VARIABLE as_of_version = coalesce(getvariable('as_of_version'), (SELECT max(snapshot_id) FROM lake.snapshots()));
SELECT getvariable('as_of_version') AS version, designer, count(*) AS tasks, sum(instances) AS instances,
       count(DISTINCT dataset_id) AS datasets
FROM instructions AT (VERSION => getvariable('as_of_version'))
GROUP BY designer
ORDER BY designer;
