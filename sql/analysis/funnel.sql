-- How far does the data get: datasets the Hub listed → candidates (§1's card rules on the listing) → datasets read → configs → kept configs → task proposals → valid tasks under the paper's rules → valid tasks under the strict rules → valid tasks → instances?
-- valid_paper_rules: the valid tasks plus those only a strict rule rejected (docs/method.md §3.7);
-- valid_strict_rules: valid tasks curated with DYNOSAUR_RULES=strict (equal to valid_tasks when every dataset was).
WITH stages(ord, stage, count) AS (
    SELECT 1, 'listed',      (SELECT count(*) FROM hub_listing)
    UNION ALL SELECT 2, 'candidates',  (SELECT count(*) FROM hub_listing WHERE candidate)
    UNION ALL SELECT 3, 'datasets',    (SELECT count(DISTINCT dataset_id) FROM hub_datasets)
    UNION ALL SELECT 4, 'configs',     (SELECT count(*) FROM hub_datasets)
    UNION ALL SELECT 5, 'kept',        (SELECT count(*) FROM hub_datasets WHERE keep)
    UNION ALL SELECT 6, 'proposals',   (SELECT count(*) FROM task_designs WHERE parse_error IS NULL)
    UNION ALL SELECT 7, 'valid_paper_rules', (SELECT count(*) FROM instructions)
                                           + (SELECT count(*) FROM task_rejections WHERE rule IN (SELECT rule FROM strict_rules))
    UNION ALL SELECT 8, 'valid_strict_rules', (SELECT count(*) FROM instructions WHERE rule_set = 'strict')
    UNION ALL SELECT 9, 'valid_tasks', (SELECT count(*) FROM instructions)
    UNION ALL SELECT 10, 'instances',  (SELECT count(*) FROM instruction_samples)
)
SELECT stage, count
FROM stages
ORDER BY ord;
