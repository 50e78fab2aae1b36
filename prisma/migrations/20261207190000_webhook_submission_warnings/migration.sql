-- job.warning for the warnings a job gets when it is accepted (Run.warnings: the spec-level
-- self_normalization ones), as for those its diagnosis raises while it trains: one event per
-- warning, with the same payload. The training process never copies these into
-- diagnosticWarnings, so no warning is sent twice.
CREATE FUNCTION "webhook_run_accepted_warned"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  w JSONB;
BEGIN
  FOR w IN SELECT e FROM jsonb_array_elements(NEW."warnings") e LOOP
    PERFORM "webhook_emit"(NEW."tenantId", 'job.warning', jsonb_build_object(
      'id', NEW."id", 'status', NEW."status"::text, 'name', NEW."name", 'studyId', NEW."studyId",
      'warning', jsonb_build_object('id', w->'id', 'kind', w->'kind', 'layer', w->'layer', 'severity', w->'severity', 'epoch', w->'epoch',
        'message', w->'message', 'advice', w->'advice', 'fix', w->'fix')));
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Run_webhook_accepted_warned" AFTER INSERT ON "Run" FOR EACH ROW
  WHEN (jsonb_typeof(NEW."warnings") = 'array' AND jsonb_array_length(NEW."warnings") > 0)
  EXECUTE FUNCTION "webhook_run_accepted_warned"();
