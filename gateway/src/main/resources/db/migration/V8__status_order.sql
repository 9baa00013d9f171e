-- Statuses are now ordered accepted 0 < queued 1 < sent 2 < failed 3 = cancelled 3 < delivered 4
-- < read 5 (was: delivered 3, read 4, failed and cancelled 5). A message that was delivered or
-- read reached the person: a later "failed" stays in its history but no longer becomes its status,
-- and a receipt that arrives after a "failed" moves it to delivered or read.

-- Recompute the stored ranks; only these four statuses change rank.
UPDATE messages SET status_rank = CASE status
        WHEN 'failed' THEN 3 WHEN 'cancelled' THEN 3 WHEN 'delivered' THEN 4 WHEN 'read' THEN 5 END
 WHERE status IN ('failed', 'cancelled', 'delivered', 'read');

UPDATE provider_statuses SET status_rank = CASE status
        WHEN 'failed' THEN 3 WHEN 'cancelled' THEN 3 WHEN 'delivered' THEN 4 WHEN 'read' THEN 5 END
 WHERE status IN ('failed', 'cancelled', 'delivered', 'read');

-- A message the old order moved back to "failed" although a provider had reported it delivered or
-- read gets the best of those reports as its status, as if they had arrived under the new order.
WITH best AS (
  SELECT DISTINCT ON (ps.provider, ps.provider_message_id)
      ps.provider, ps.provider_message_id, ps.status, ps.status_rank, ps.error_code
  FROM provider_statuses ps
  WHERE ps.status IN ('delivered', 'read')
  ORDER BY ps.provider, ps.provider_message_id, ps.status_rank DESC)
UPDATE messages m SET status = best.status, status_rank = best.status_rank,
    error_code = best.error_code, error_message = NULL, updated_at = now()
FROM best
WHERE m.provider = best.provider AND m.provider_message_id = best.provider_message_id
  AND m.status IN ('failed', 'cancelled');
