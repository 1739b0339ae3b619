-- How much of the corpus repeats another dataset: instances left out by reason (corpus_duplicates), then the datasets that copy others most, with the dataset each copies most.
WITH totals AS (SELECT count(*) AS corpus FROM instruction_samples),
by_reason AS (
    SELECT 0 AS ord, 'reason' AS kind, reason AS name, NULL AS copies_most, count(*) AS instances
    FROM instance_duplicates GROUP BY reason
),
copies AS (
    SELECT dataset_id, kept_dataset_id, count(*) AS instances
    FROM instance_duplicates WHERE kept_dataset_id <> dataset_id GROUP BY ALL
),
by_dataset AS (
    SELECT 1 AS ord, 'dataset' AS kind, dataset_id AS name, arg_max(kept_dataset_id, instances) AS copies_most,
           sum(instances) AS instances
    FROM copies GROUP BY dataset_id ORDER BY instances DESC, name LIMIT 20
)
SELECT kind, name, copies_most, instances, round(instances / corpus, 4) AS share_of_corpus
FROM (SELECT * FROM by_reason UNION ALL SELECT * FROM by_dataset), totals
ORDER BY ord, instances DESC, name;
