-- What did each dataset cost in LLM calls, and what did it yield? Every ingested dataset appears; zero cost when no call was made (e.g. rule-based designer).
WITH datasets AS (
    SELECT DISTINCT dataset_id FROM hub_datasets
    UNION
    SELECT DISTINCT dataset_id FROM llm_calls
), calls AS (
    SELECT dataset_id,
           count(*)               AS calls,
           sum(prompt_tokens)     AS prompt_tokens,
           sum(completion_tokens) AS completion_tokens,
           sum(cost_usd)          AS cost_usd
    FROM llm_calls
    GROUP BY dataset_id
), tasks AS (
    SELECT dataset_id, count(*) AS valid_tasks, sum(instances) AS instances
    FROM instructions
    GROUP BY dataset_id
)
SELECT
    d.dataset_id,
    coalesce(c.calls, 0)::BIGINT             AS calls,
    coalesce(c.prompt_tokens, 0)::BIGINT     AS prompt_tokens,
    coalesce(c.completion_tokens, 0)::BIGINT AS completion_tokens,
    round(coalesce(c.cost_usd, 0), 6)        AS cost_usd,
    coalesce(t.valid_tasks, 0)::BIGINT       AS valid_tasks,
    coalesce(t.instances, 0)::BIGINT         AS instances
FROM datasets d
LEFT JOIN calls c USING (dataset_id)
LEFT JOIN tasks t USING (dataset_id)
ORDER BY cost_usd DESC, d.dataset_id;
