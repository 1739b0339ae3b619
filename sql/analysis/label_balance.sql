-- How balanced are classification tasks? For each valid task with a label space: its number of labels, its instances, and the most frequent output with its share of the task's instance_samples.
WITH labelled AS (
    SELECT dataset_id, task_id, len(labels) AS num_labels
    FROM instructions
    WHERE len(coalesce(labels, [])) > 0
), outputs AS (
    SELECT s.dataset_id, s.task_id, s.output, count(*) AS n
    FROM instruction_samples s
    JOIN labelled l USING (dataset_id, task_id)
    GROUP BY s.dataset_id, s.task_id, s.output
), per_task AS (
    SELECT dataset_id, task_id, sum(n)::BIGINT AS instances, arg_max(output, n) AS top_output, max(n) AS top_n
    FROM outputs
    GROUP BY dataset_id, task_id
)
SELECT
    l.dataset_id,
    l.task_id,
    l.num_labels,
    coalesce(p.instances, 0)::BIGINT           AS instances,
    p.top_output,
    round(p.top_n / nullif(p.instances, 0), 4) AS top_output_share
FROM labelled l
LEFT JOIN per_task p USING (dataset_id, task_id)
ORDER BY top_output_share DESC NULLS LAST, l.dataset_id, l.task_id;
