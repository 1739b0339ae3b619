-- Which card task categories do the valid tasks come from? A task counts once per category of its dataset ('none' when the card lists none).
WITH categorized AS (
    SELECT i.dataset_id, i.instances,
           unnest(CASE WHEN len(coalesce(h.task_categories, [])) = 0 THEN ['none']
                       ELSE h.task_categories END) AS task_category
    FROM instructions i
    JOIN hub_datasets h USING (dataset_id, config)
)
SELECT
    task_category,
    count(DISTINCT dataset_id)          AS datasets,
    count(*)                            AS tasks,
    coalesce(sum(instances), 0)::BIGINT AS instances
FROM categorized
GROUP BY task_category
ORDER BY tasks DESC, task_category;
