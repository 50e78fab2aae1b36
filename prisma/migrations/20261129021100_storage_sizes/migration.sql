-- Stored bytes per model and checkpoint, so a tenant's storage use is a sum of small columns
-- rather than a scan of the blobs (Dataset already has sizeBytes).
ALTER TABLE "Model" ADD COLUMN "sizeBytes" INTEGER NOT NULL DEFAULT 0;
UPDATE "Model" SET "sizeBytes" = octet_length("weights") + octet_length("modelJson"::text);
ALTER TABLE "Checkpoint" ADD COLUMN "sizeBytes" INTEGER NOT NULL DEFAULT 0;
UPDATE "Checkpoint" SET "sizeBytes" = octet_length("modelData") + octet_length("optimizerData");
-- The storage quota sums a tenant's checkpoints through its runs.
CREATE INDEX "Model_tenantId_deletedAt_idx" ON "Model" ("tenantId", "deletedAt");
