-- What did each batch of LLM calls cost? llm_calls has no run id, so a batch is approximated as the calls made within the same minute (date_trunc('minute', created_at)).
SELECT
    date_trunc('minute', created_at)    AS batch_minute,
    count(*)                            AS calls,
    count(DISTINCT dataset_id)          AS datasets,
    string_agg(DISTINCT model, ', ' ORDER BY model) AS models,
    sum(prompt_tokens)::BIGINT          AS prompt_tokens,
    sum(completion_tokens)::BIGINT      AS completion_tokens,
    sum(cached_tokens)::BIGINT          AS cached_tokens,
    count(*) FILTER (WHERE error IS NOT NULL) AS errors,
    round(sum(cost_usd), 6)             AS cost_usd
FROM llm_calls
GROUP BY batch_minute
ORDER BY batch_minute;
