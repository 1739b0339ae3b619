-- Under which licences are the valid tasks and their instances ('none' when the card has no licence)?
SELECT
    coalesce(h.license, 'none')        AS license,
    count(DISTINCT i.dataset_id)       AS datasets,
    count(*)                           AS tasks,
    coalesce(sum(i.instances), 0)::BIGINT AS instances
FROM instructions i
JOIN hub_datasets h USING (dataset_id, config)
GROUP BY ALL
ORDER BY tasks DESC, license;
