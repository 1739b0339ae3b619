-- How fast does the collection grow? Datasets, configs and kept configs ingested per day (hub_datasets.ingested_at; a re-ingested dataset counts on its latest day).
SELECT
    ingested_at::DATE                   AS day,
    count(DISTINCT dataset_id)          AS datasets,
    count(*)                            AS configs,
    count(*) FILTER (WHERE keep)        AS kept
FROM hub_datasets
GROUP BY day
ORDER BY day;
