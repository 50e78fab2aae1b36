-- Tenants, API keys, model shares, the audit log, and the tenant of every dataset, run and model.
-- Rows from before this migration belong to the tenant named `default` (a fixed id).

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('admin', 'member', 'viewer');

-- CreateTable
CREATE TABLE "Tenant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "quotas" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Tenant_name_key" ON "Tenant"("name");
INSERT INTO "Tenant" ("id", "name") VALUES ('00000000-0000-0000-0000-000000000001', 'default');

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "name" TEXT,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "ModelShare" (
    "modelId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ModelShare_pkey" PRIMARY KEY ("modelId","tenantId")
);
CREATE INDEX "ModelShare_tenantId_idx" ON "ModelShare"("tenantId");
ALTER TABLE "ModelShare" ADD CONSTRAINT "ModelShare_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ModelShare" ADD CONSTRAINT "ModelShare_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "keyId" TEXT,
    "tenantId" UUID,
    "action" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "resourceId" TEXT,
    "detail" JSONB,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "AuditEvent_at_id_idx" ON "AuditEvent"("at", "id");

-- AlterTable: the owner of every dataset, run and model
ALTER TABLE "Dataset" ADD COLUMN "tenantId" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001';
ALTER TABLE "Run" ADD COLUMN "tenantId" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001';
ALTER TABLE "Run" ADD COLUMN "fairTag" INTEGER;
ALTER TABLE "Model" ADD COLUMN "tenantId" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001';
ALTER TABLE "Model" ADD COLUMN "deletedAt" TIMESTAMP(3);
ALTER TABLE "Dataset" ADD CONSTRAINT "Dataset_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Run" ADD CONSTRAINT "Run_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Model" ADD CONSTRAINT "Model_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "Dataset_tenantId_createdAt_idx" ON "Dataset"("tenantId", "createdAt");
CREATE INDEX "Run_tenantId_status_idx" ON "Run"("tenantId", "status");
CREATE INDEX "Model_tenantId_createdAt_idx" ON "Model"("tenantId", "createdAt");

-- Each tenant has its own registry of named models: versions count per tenant.
DROP INDEX "Model_name_version_key";
CREATE UNIQUE INDEX "Model_tenantId_name_version_key" ON "Model"("tenantId", "name", "version");
