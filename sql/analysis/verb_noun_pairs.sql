-- Which verb-noun pairs do instructions use? Heuristic: words = lowercase [a-z]+ runs; verb = 1st word; noun = first of words 2-5 that is not an article/preposition/determiner (a, an, the, of, to, in, on, for, from, with, by, at, about, into, as, and, or, each, its, this, that, these, those, their, your, given, all, every); '(none)' when none of the 4 qualifies; top 25.
WITH words AS (
    SELECT dataset_id, regexp_extract_all(lower(instruction), '[a-z]+') AS w
    FROM instructions
), pairs AS (
    SELECT dataset_id,
           w[1] AS verb,
           coalesce(list_filter(w[2:5], lambda x: NOT list_contains(
               ['a', 'an', 'the', 'of', 'to', 'in', 'on', 'for', 'from', 'with', 'by', 'at', 'about', 'into',
                'as', 'and', 'or', 'each', 'its', 'this', 'that', 'these', 'those', 'their', 'your', 'given',
                'all', 'every'], x))[1], '(none)') AS noun
    FROM words
    WHERE len(w) > 0
)
SELECT verb, noun, count(*) AS tasks, count(DISTINCT dataset_id) AS datasets
FROM pairs
GROUP BY verb, noun
ORDER BY tasks DESC, verb, noun
LIMIT 25;
