-- Webhooks: a tenant's endpoints and the deliveries made to them. A delivery row is written by a
-- trigger in the same transaction as the change it reports (a job or study ending, a warning, a
-- new model), so an event is never lost to a crash between the change and its notification; the
-- worker processes then carry each delivery through the queue.
CREATE TABLE "Webhook" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "description" TEXT,
    "secret" TEXT NOT NULL,
    "previousSecret" TEXT,
    "previousSecretExpiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "failingSince" TIMESTAMP(3),
    "disabledAt" TIMESTAMP(3),
    "disabledReason" TEXT,

    CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "Webhook_tenantId_createdAt_idx" ON "Webhook"("tenantId", "createdAt");
ALTER TABLE "Webhook" ADD CONSTRAINT "Webhook_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "WebhookDelivery" (
    "id" UUID NOT NULL,
    "webhookId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "scheduleBase" INTEGER NOT NULL DEFAULT 0,
    "responseStatus" INTEGER,
    "responseMs" INTEGER,
    "lastError" TEXT,
    "history" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAttemptAt" TIMESTAMP(3),
    "nextAttemptAt" TIMESTAMP(3),
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "WebhookDelivery_webhookId_createdAt_idx" ON "WebhookDelivery"("webhookId", "createdAt");
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One delivery per enabled webhook of the tenant that subscribes to the event. Every function
-- here keeps the schema it was made in (SET search_path FROM CURRENT): the tables it names are
-- those beside the table that fired, whatever the search_path of the session that changed it.
CREATE FUNCTION "webhook_emit"(tenant UUID, event TEXT, payload JSONB) RETURNS void LANGUAGE sql SET search_path FROM CURRENT AS $$
  INSERT INTO "WebhookDelivery" ("id", "webhookId", "tenantId", "event", "payload", "createdAt", "nextAttemptAt")
  SELECT gen_random_uuid(), w."id", w."tenantId", event, payload, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
  FROM "Webhook" w WHERE w."tenantId" = tenant AND w."disabledAt" IS NULL AND event = ANY(w."events");
$$;

CREATE FUNCTION "webhook_run_ended"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  model_id UUID;
BEGIN
  SELECT "id" INTO model_id FROM "Model" WHERE "jobId" = NEW."id";
  PERFORM "webhook_emit"(NEW."tenantId", 'job.' || NEW."status"::text, jsonb_build_object(
    'id', NEW."id", 'status', NEW."status"::text, 'name', NEW."name", 'error', NEW."error", 'studyId', NEW."studyId",
    'modelId', model_id, 'createdAt', NEW."createdAt", 'finishedAt', NEW."finishedAt"));
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Run_webhook_ended" AFTER UPDATE OF "status" ON "Run" FOR EACH ROW
  WHEN (OLD."status" IS DISTINCT FROM NEW."status" AND NEW."status" IN ('succeeded', 'failed', 'cancelled'))
  EXECUTE FUNCTION "webhook_run_ended"();

-- A diagnosis warning is new when no warning of the same id was there before the update.
CREATE FUNCTION "webhook_run_warned"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  w JSONB;
BEGIN
  FOR w IN
    SELECT e FROM jsonb_array_elements(NEW."diagnosticWarnings") e
    WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(OLD."diagnosticWarnings") o WHERE o->>'id' = e->>'id')
  LOOP
    PERFORM "webhook_emit"(NEW."tenantId", 'job.warning', jsonb_build_object(
      'id', NEW."id", 'status', NEW."status"::text, 'name', NEW."name", 'studyId', NEW."studyId",
      'warning', jsonb_build_object('id', w->'id', 'kind', w->'kind', 'layer', w->'layer', 'severity', w->'severity', 'epoch', w->'epoch',
        'message', w->'message', 'advice', w->'advice', 'fix', w->'fix')));
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Run_webhook_warned" AFTER UPDATE OF "diagnosticWarnings" ON "Run" FOR EACH ROW
  WHEN (jsonb_typeof(NEW."diagnosticWarnings") = 'array' AND jsonb_typeof(OLD."diagnosticWarnings") = 'array'
    AND OLD."diagnosticWarnings" IS DISTINCT FROM NEW."diagnosticWarnings")
  EXECUTE FUNCTION "webhook_run_warned"();

CREATE FUNCTION "webhook_study_ended"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "webhook_emit"(NEW."tenantId", 'study.' || NEW."status", jsonb_build_object(
    'id', NEW."id", 'status', NEW."status", 'name', NEW."name", 'trialCount', NEW."trialCount",
    'createdAt', NEW."createdAt", 'finishedAt', NEW."finishedAt"));
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Study_webhook_ended" AFTER UPDATE OF "status" ON "Study" FOR EACH ROW
  WHEN (OLD."status" IS DISTINCT FROM NEW."status" AND NEW."status" IN ('succeeded', 'failed', 'cancelled'))
  EXECUTE FUNCTION "webhook_study_ended"();

CREATE FUNCTION "webhook_model_created"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "webhook_emit"(NEW."tenantId", 'model.created', jsonb_build_object(
    'id', NEW."id", 'status', 'created', 'name', NEW."name", 'version', NEW."version", 'jobId', NEW."jobId",
    'source', NEW."source", 'createdAt', NEW."createdAt"));
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Model_webhook_created" AFTER INSERT ON "Model" FOR EACH ROW EXECUTE FUNCTION "webhook_model_created"();
