-- How many datasets and configs were seen, kept and dropped (by reason), and how many samples?
WITH outcomes AS (
    SELECT dataset_id, sample_rows, coalesce(drop_reason, 'kept') AS outcome FROM hub_datasets
)
SELECT
    outcome,
    count(DISTINCT dataset_id) AS datasets,
    count(*)                   AS configs,
    sum(sample_rows)           AS samples
FROM outcomes
GROUP BY outcome
ORDER BY outcome <> 'kept', configs DESC, outcome;
