-- How many valid tasks and instances did each designer and model produce (model is NULL for the rule-based designer)?
SELECT
    designer,
    model,
    count(*)                            AS tasks,
    coalesce(sum(instances), 0)::BIGINT AS instances
FROM instructions
GROUP BY designer, model
ORDER BY tasks DESC, designer, model;
