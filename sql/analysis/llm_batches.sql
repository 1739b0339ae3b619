-- Batches of the OpenAI Batch API (DYNOSAUR_LLM_MODE=batch): each batch's step, model and lines, and how it
-- ended: completed + failed + missing = requests; `open` until llm_batch_ingest has stored its replies.
SELECT
    b.batch_id,
    b.step,
    b.model,
    b.attempt,
    b.parent_batch_id,
    b.requests,
    coalesce(o.status, 'open')      AS status,
    o.completed,
    o.failed,
    o.missing,
    o.requeued_batch_id,
    b.submitted_at::TIMESTAMP(0)    AS submitted_at,
    o.closed_at::TIMESTAMP(0)       AS closed_at
FROM llm_batches b
LEFT JOIN llm_batch_outcomes o USING (batch_id)
ORDER BY b.submitted_at, b.batch_id;
