-- Which verbs do the valid tasks' instructions use? The main verb of each base instruction, as dynosaur_assets/curate/verbs.py finds it (the verb column of instructions; the verb-noun picture's inner ring), top 25.
SELECT verb, count(*) AS tasks, count(DISTINCT dataset_id) AS datasets
FROM instructions
WHERE verb IS NOT NULL
GROUP BY verb
ORDER BY tasks DESC, verb
LIMIT 25;
