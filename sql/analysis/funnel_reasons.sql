-- Where does the funnel lose data, and why: listed datasets left out before any partition (by reason), configs dropped at ingestion (by drop_reason), proposals rejected at curation by the paper's rules (by rule) and valid ones the strict rules rejected (rejected_strict, docs/method.md §3.7)?
WITH losses AS (
    SELECT 0 AS ord, 'left_out' AS stage, reason FROM hub_listing WHERE NOT candidate
    UNION ALL
    SELECT 1, 'dropped', drop_reason FROM hub_datasets WHERE NOT keep
    UNION ALL
    SELECT 2, 'rejected', rule FROM task_rejections WHERE rule NOT IN (SELECT rule FROM strict_rules)
    UNION ALL
    SELECT 3, 'rejected_strict', rule FROM task_rejections WHERE rule IN (SELECT rule FROM strict_rules)
)
SELECT stage, coalesce(reason, 'unspecified') AS reason, count(*) AS count
FROM losses
GROUP BY ord, stage, reason
ORDER BY ord, count DESC, reason;
