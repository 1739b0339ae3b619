-- Which data-quality checks fail, and when? Failed and total checks per day (checked_at, UTC), suite, check and severity.
SELECT
    checked_at::DATE                          AS day,
    suite,
    check_name,
    severity,
    count(*) FILTER (WHERE NOT success)       AS failures,
    count(*)                                  AS checks
FROM quality_results
GROUP BY day, suite, check_name, severity
ORDER BY day, failures DESC, suite, check_name, severity;
