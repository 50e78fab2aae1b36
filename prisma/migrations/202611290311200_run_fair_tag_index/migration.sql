-- The fair-tag state read under a tenant's submit lock (src/services/fair-run.ts): the highest
-- tag of the running runs, the lowest of the queued ones, the tenant's highest queued tag and its
-- queued count. On these indexes each is one index probe (or an index-only count of the tenant's
-- queued runs) instead of a scan of every queued run.
CREATE INDEX "Run_status_fairTag_idx" ON "Run" ("status", "fairTag");
-- Replaces ("tenantId", "status"), which it serves as well.
DROP INDEX "Run_tenantId_status_idx";
CREATE INDEX "Run_tenantId_status_fairTag_idx" ON "Run" ("tenantId", "status", "fairTag");
