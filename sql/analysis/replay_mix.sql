-- Each replay strategy's mix for a stage, beside the stage's own ('(stage)'): tasks by designer, licence, task category and source dataset. `SET VARIABLE replay_stage = 'after_v12';` first (default: the stage selected last).
SET VARIABLE replay_stage = coalesce(
    getvariable('replay_stage'),
    (SELECT stage FROM replay_stages ORDER BY selected_at DESC, stage LIMIT 1));
WITH picked AS (
    SELECT strategy, dataset_id, task_id FROM replay_selection WHERE stage = getvariable('replay_stage')
    UNION ALL
    SELECT '(stage)', dataset_id, task_id FROM replay_stages WHERE stage = getvariable('replay_stage')
),
tasks AS (
    SELECT p.strategy, p.dataset_id, i.designer, coalesce(h.license, 'none') AS license,
           CASE WHEN len(coalesce(h.task_categories, [])) = 0 THEN ['none'] ELSE h.task_categories END AS categories
    FROM picked p
    JOIN instructions i USING (dataset_id, task_id)
    LEFT JOIN hub_datasets h ON h.dataset_id = i.dataset_id AND h.config = i.config
),
facets AS (
    SELECT strategy, 'designer' AS facet, designer AS value FROM tasks
    UNION ALL SELECT strategy, 'license', license FROM tasks
    UNION ALL SELECT strategy, 'task_category', unnest(categories) FROM tasks
    UNION ALL SELECT strategy, 'dataset', dataset_id FROM tasks
)
SELECT
    getvariable('replay_stage')                                                 AS stage,
    strategy,
    facet,
    value,
    count(*)                                                                    AS tasks,
    round(count(*) / sum(count(*)) OVER (PARTITION BY strategy, facet), 3)      AS share
FROM facets
GROUP BY strategy, facet, value
ORDER BY strategy, facet, tasks DESC, value;
