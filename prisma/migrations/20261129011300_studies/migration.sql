-- Studies (issue 13): a Study table owned by a tenant, and trial columns on Run (all nullable).
CREATE TABLE "Study" (
    "id" UUID NOT NULL,
    "name" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "method" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "preset" TEXT,
    "request" JSONB NOT NULL,
    "plan" JSONB NOT NULL,
    "trialCount" INTEGER NOT NULL,
    "maxConcurrent" INTEGER NOT NULL,
    "asha" JSONB,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "tenantId" UUID NOT NULL,

    CONSTRAINT "Study_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "Study_createdAt_idx" ON "Study"("createdAt");
CREATE INDEX "Study_tenantId_createdAt_idx" ON "Study"("tenantId", "createdAt");
ALTER TABLE "Study" ADD CONSTRAINT "Study_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

ALTER TABLE "Run" ADD COLUMN "studyId" UUID,
ADD COLUMN "trialIndex" INTEGER,
ADD COLUMN "trialParameters" JSONB,
ADD COLUMN "stoppedAtEpoch" INTEGER;

CREATE UNIQUE INDEX "Run_studyId_trialIndex_key" ON "Run"("studyId", "trialIndex");

ALTER TABLE "Run" ADD CONSTRAINT "Run_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "Study"("id") ON DELETE SET NULL ON UPDATE CASCADE;
