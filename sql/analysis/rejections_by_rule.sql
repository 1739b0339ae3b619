-- Why were proposed tasks rejected? Counts by rule (docs/method.md §3-§4), and which rule set the rule
-- belongs to: paper (both rule sets apply it) or strict (only DYNOSAUR_RULES=strict; the task was valid
-- under the paper's rules, §3.7).
SELECT rule,
       CASE WHEN rule IN (SELECT rule FROM strict_rules) THEN 'strict' ELSE 'paper' END AS rule_set,
       count(*) AS tasks, count(DISTINCT dataset_id || '/' || config) AS configs
FROM task_rejections
GROUP BY rule
ORDER BY tasks DESC, rule;
