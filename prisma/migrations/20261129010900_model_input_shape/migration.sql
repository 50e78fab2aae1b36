-- One sample's input shape (no batch dimension), kept beside model.json so listings need not
-- read model.json at all. Backfilled from the first batch_input_shape in the topology.
ALTER TABLE "Model" ADD COLUMN "inputShape" JSONB;

UPDATE "Model"
SET "inputShape" = COALESCE(jsonb_path_query_first("modelJson", 'lax $.modelTopology.**.batch_input_shape') - 0, '[]'::jsonb)
WHERE "inputShape" IS NULL;
