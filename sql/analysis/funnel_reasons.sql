-- Where does the funnel lose data, and why: listed datasets left out before any partition (by reason), configs dropped at ingestion (by drop_reason) and proposals rejected at curation (by rule)?
WITH losses AS (
    SELECT 0 AS ord, 'left_out' AS stage, reason FROM hub_listing WHERE NOT candidate
    UNION ALL
    SELECT 1, 'dropped', drop_reason FROM hub_datasets WHERE NOT keep
    UNION ALL
    SELECT 2, 'rejected', rule FROM task_rejections
)
SELECT stage, coalesce(reason, 'unspecified') AS reason, count(*) AS count
FROM losses
GROUP BY ord, stage, reason
ORDER BY ord, count DESC, reason;
