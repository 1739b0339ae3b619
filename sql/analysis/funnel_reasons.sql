-- Where does the funnel lose data, and why: configs dropped at ingestion (by drop_reason) and proposals rejected at curation (by rule)?
WITH losses AS (
    SELECT 1 AS ord, 'dropped' AS stage, drop_reason AS reason FROM hub_datasets WHERE NOT keep
    UNION ALL
    SELECT 2, 'rejected', rule FROM task_rejections
)
SELECT stage, coalesce(reason, 'unspecified') AS reason, count(*) AS count
FROM losses
GROUP BY ord, stage, reason
ORDER BY ord, count DESC, reason;
