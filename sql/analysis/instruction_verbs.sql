-- Which words do the valid tasks' instructions start with? The first word, lowercased (top 25).
WITH firsts AS (
    SELECT dataset_id, lower(regexp_extract(instruction, '^[^A-Za-z]*([A-Za-z]+)', 1)) AS verb
    FROM instructions
)
SELECT verb, count(*) AS tasks, count(DISTINCT dataset_id) AS datasets
FROM firsts
WHERE verb <> ''
GROUP BY verb
ORDER BY tasks DESC, verb
LIMIT 25;
