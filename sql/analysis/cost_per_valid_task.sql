-- What does one valid task cost per designer and model? Cost of the distinct LLM calls behind its proposals / its valid tasks (0 for the rule-based designer; NULL when it has no valid task).
WITH designers AS (
    SELECT DISTINCT designer, model FROM task_designs
    UNION
    SELECT DISTINCT designer, model FROM instructions
), costs AS (
    SELECT d.designer, d.model, count(*) AS calls, sum(c.cost_usd) AS cost_usd
    FROM (SELECT DISTINCT designer, model, request_hash FROM task_designs WHERE request_hash IS NOT NULL) d
    JOIN llm_calls c USING (request_hash)
    GROUP BY d.designer, d.model
), tasks AS (
    SELECT designer, model, count(*) AS valid_tasks, sum(instances) AS instances
    FROM instructions
    GROUP BY designer, model
)
SELECT
    g.designer,
    g.model,
    coalesce(c.calls, 0)::BIGINT       AS calls,
    round(coalesce(c.cost_usd, 0), 6)  AS cost_usd,
    coalesce(t.valid_tasks, 0)::BIGINT AS valid_tasks,
    coalesce(t.instances, 0)::BIGINT   AS instances,
    round(coalesce(c.cost_usd, 0) / nullif(t.valid_tasks, 0), 6) AS cost_per_valid_task
FROM designers g
LEFT JOIN costs c ON c.designer = g.designer AND c.model IS NOT DISTINCT FROM g.model
LEFT JOIN tasks t ON t.designer = g.designer AND t.model IS NOT DISTINCT FROM g.model
ORDER BY g.designer, g.model;
