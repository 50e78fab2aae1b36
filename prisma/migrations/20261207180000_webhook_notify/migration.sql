-- Deliveries wake the dispatchers instead of waiting for their poll: whatever makes a delivery due
-- (an event's trigger, a redelivery) sends a notification on the "webhook_due" channel with this
-- schema's name as payload, and each worker's dispatcher LISTENs there (features/webhooks). NOTIFY
-- is sent at commit, so a dispatcher woken by it sees the rows, and several notifications of one
-- transaction with the same payload arrive as one. The dispatchers still poll, slowly, for lapsed
-- claims and for what was notified while they were not listening.
CREATE FUNCTION "webhook_notify_due"() RETURNS void LANGUAGE sql SET search_path FROM CURRENT AS $$
  SELECT pg_notify('webhook_due', current_schema());
$$;

CREATE OR REPLACE FUNCTION "webhook_emit"(tenant UUID, event TEXT, payload JSONB) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO "WebhookDelivery" ("id", "webhookId", "tenantId", "event", "payload", "createdAt", "nextAttemptAt")
  SELECT gen_random_uuid(), w."id", w."tenantId", event, payload, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
  FROM "Webhook" w WHERE w."tenantId" = tenant AND w."disabledAt" IS NULL AND event = ANY(w."events");
  -- Only when a webhook subscribes: most events of most tenants make no delivery and wake no one.
  IF FOUND THEN
    PERFORM "webhook_notify_due"();
  END IF;
END;
$$;

-- A delivery that ended and is made pending again (POST .../redeliver) is due at once.
CREATE FUNCTION "webhook_delivery_pending_again"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "webhook_notify_due"();
  RETURN NULL;
END;
$$;

CREATE TRIGGER "WebhookDelivery_pending_again" AFTER UPDATE OF "status" ON "WebhookDelivery" FOR EACH ROW
  WHEN (OLD."status" <> 'pending' AND NEW."status" = 'pending')
  EXECUTE FUNCTION "webhook_delivery_pending_again"();
