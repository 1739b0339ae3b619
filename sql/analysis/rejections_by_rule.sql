-- Why were proposed tasks rejected? Counts by rule (docs/method.md §3-§4).
SELECT rule, count(*) AS tasks, count(DISTINCT dataset_id || '/' || config) AS configs
FROM task_rejections
GROUP BY rule
ORDER BY tasks DESC, rule;
