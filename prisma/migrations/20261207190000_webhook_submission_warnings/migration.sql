-- job.warning for the warnings a job gets when it is accepted (Run.warnings: the spec-level
-- self_normalization ones), as for those its diagnosis raises while it trains: one event per
-- warning, with the same payload, built in one place. The training process never copies the
-- accepted warnings into diagnosticWarnings, so no warning is sent twice.
CREATE FUNCTION "webhook_job_warning"(run "Run", w JSONB) RETURNS void LANGUAGE sql SET search_path FROM CURRENT AS $$
  SELECT "webhook_emit"(run."tenantId", 'job.warning', jsonb_build_object(
    'id', run."id", 'status', run."status"::text, 'name', run."name", 'studyId', run."studyId",
    'warning', jsonb_build_object('id', w->'id', 'kind', w->'kind', 'layer', w->'layer', 'severity', w->'severity', 'epoch', w->'epoch',
      'message', w->'message', 'advice', w->'advice', 'fix', w->'fix')));
$$;

-- A diagnosis warning is new when no warning of the same id was there before the update.
CREATE OR REPLACE FUNCTION "webhook_run_warned"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  w JSONB;
BEGIN
  FOR w IN
    SELECT e FROM jsonb_array_elements(NEW."diagnosticWarnings") e
    WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(OLD."diagnosticWarnings") o WHERE o->>'id' = e->>'id')
  LOOP
    PERFORM "webhook_job_warning"(NEW, w);
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE FUNCTION "webhook_run_accepted_warned"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  w JSONB;
BEGIN
  FOR w IN SELECT e FROM jsonb_array_elements(NEW."warnings") e LOOP
    PERFORM "webhook_job_warning"(NEW, w);
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Run_webhook_accepted_warned" AFTER INSERT ON "Run" FOR EACH ROW
  WHEN (jsonb_typeof(NEW."warnings") = 'array' AND jsonb_array_length(NEW."warnings") > 0)
  EXECUTE FUNCTION "webhook_run_accepted_warned"();
