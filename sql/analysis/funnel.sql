-- How far does the data get: datasets → configs → kept configs → task proposals → valid tasks → instances?
WITH stages(ord, stage, count) AS (
    SELECT 1, 'datasets',    (SELECT count(DISTINCT dataset_id) FROM hub_datasets)
    UNION ALL SELECT 2, 'configs',     (SELECT count(*) FROM hub_datasets)
    UNION ALL SELECT 3, 'kept',        (SELECT count(*) FROM hub_datasets WHERE keep)
    UNION ALL SELECT 4, 'proposals',   (SELECT count(*) FROM task_designs WHERE parse_error IS NULL)
    UNION ALL SELECT 5, 'valid_tasks', (SELECT count(*) FROM instructions)
    UNION ALL SELECT 6, 'instances',   (SELECT count(*) FROM instruction_samples)
)
SELECT stage, count
FROM stages
ORDER BY ord;
