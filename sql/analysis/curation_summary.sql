-- What did task design and curation produce: proposals, valid tasks, instances and embeddings per designer?
SELECT
    d.designer,
    count(DISTINCT d.dataset_id || '/' || d.config)                           AS configs_designed,
    count(*) FILTER (WHERE d.parse_error IS NULL)                              AS proposals,
    (SELECT count(*) FROM instructions i WHERE i.designer = d.designer)        AS valid_tasks,
    (SELECT count(*) FROM task_rejections r WHERE r.designer = d.designer)     AS rejections,
    (SELECT count(*) FROM instruction_samples s JOIN instructions i USING (dataset_id, task_id)
      WHERE i.designer = d.designer)                                           AS instances,
    (SELECT count(*) FROM instruction_embeddings e
      WHERE e.instruction IN (SELECT instruction FROM instructions i WHERE i.designer = d.designer)) AS embedded
FROM task_designs d
GROUP BY d.designer;
