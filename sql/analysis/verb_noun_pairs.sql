-- Which verb-noun pairs do instructions use? The main verb and object noun of each base instruction, as dynosaur_assets/curate/verbs.py finds them (stored in the verb and noun columns of instructions, the pairs the verb-noun picture draws); '(none)' when the verb has no noun; top 25.
SELECT verb, coalesce(noun, '(none)') AS noun, count(*) AS tasks, count(DISTINCT dataset_id) AS datasets
FROM instructions
WHERE verb IS NOT NULL
GROUP BY verb, noun
ORDER BY tasks DESC, verb, noun
LIMIT 25;
