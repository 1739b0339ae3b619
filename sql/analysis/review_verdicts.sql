-- How do the valid tasks fare in review (task_verdicts: the latest human override, else the automatic review)? The share of each final verdict overall, per designer and per card task category ('none' when the card lists none), with how many came from overrides.
WITH verdicts AS (
    SELECT v.verdict, v.source, i.designer,
           unnest(CASE WHEN len(coalesce(h.task_categories, [])) = 0 THEN ['none']
                       ELSE h.task_categories END) AS task_category,
           v.dataset_id, v.task_id
    FROM task_verdicts v
    JOIN instructions i USING (dataset_id, task_id)
    LEFT JOIN hub_datasets h ON h.dataset_id = i.dataset_id AND h.config = i.config
),
facets AS (
    SELECT DISTINCT 'all' AS facet, 'all' AS value, verdict, source, dataset_id, task_id FROM verdicts
    UNION ALL
    SELECT DISTINCT 'designer', designer, verdict, source, dataset_id, task_id FROM verdicts
    UNION ALL
    SELECT 'task_category', task_category, verdict, source, dataset_id, task_id FROM verdicts
)
SELECT
    facet,
    value,
    verdict,
    count(*)                                                                  AS tasks,
    count(*) FILTER (WHERE source = 'override')                               AS overridden,
    round(count(*) / sum(count(*)) OVER (PARTITION BY facet, value), 4)      AS share
FROM facets
GROUP BY facet, value, verdict
ORDER BY facet, value, tasks DESC, verdict;
