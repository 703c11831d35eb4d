-- Assignments an agent's queue can no longer offer (the agent made inactive, deleted or no agent, or
-- no longer confirming any of the lead's products) left their leads in nobody's queue: the
-- assignment was checked only when made. Such changes now give the leads back in their own
-- transaction (call-centre/agents.ts unassignUnservable); this does it once for the ones before.
UPDATE leads l SET assigned_to = NULL, updated_at = now()
  FROM users u
 WHERE l.assigned_to = u.id
   AND l.status IN ('new', 'no_reply', 'call_later') AND l.deleted_at IS NULL
   AND (u.status <> 'active' OR u.deleted_at IS NOT NULL OR u.role <> 'agent'
        OR NOT EXISTS (SELECT 1 FROM lead_lines ll
                        WHERE ll.lead_id = l.id
                          AND ll.product_id IN (SELECT jsonb_array_elements_text(u.products_ids_to_confirm))));
