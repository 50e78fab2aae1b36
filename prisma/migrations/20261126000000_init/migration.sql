-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "Dataset" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "samples" INTEGER NOT NULL,
    "featureShape" INTEGER[],
    "classes" INTEGER NOT NULL,
    "labelNames" JSONB,
    "features" BYTEA NOT NULL,
    "labels" BYTEA,
    "sizeBytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" UUID NOT NULL,
    "name" TEXT,
    "spec" JSONB NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'queued',
    "backend" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "resumedFromEpoch" INTEGER,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "evaluation" JSONB,
    "warnings" JSONB NOT NULL DEFAULT '[]',
    "diagnosticWarnings" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EpochMetric" (
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "phase" TEXT NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "accuracy" DOUBLE PRECISION,
    "valLoss" DOUBLE PRECISION,
    "valAccuracy" DOUBLE PRECISION,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "EpochMetric_pkey" PRIMARY KEY ("runId","epoch")
);

-- CreateTable
CREATE TABLE "EpochDiagnostic" (
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "layers" JSONB NOT NULL,

    CONSTRAINT "EpochDiagnostic_pkey" PRIMARY KEY ("runId","epoch")
);

-- CreateTable
CREATE TABLE "Model" (
    "id" UUID NOT NULL,
    "jobId" UUID,
    "name" TEXT,
    "version" INTEGER,
    "summary" JSONB NOT NULL,
    "modelJson" JSONB NOT NULL,
    "weights" BYTEA NOT NULL,
    "preprocessing" JSONB,
    "baseModelId" UUID,
    "reusedLayers" TEXT[],
    "source" TEXT NOT NULL DEFAULT 'trained',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Model_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Run_status_createdAt_idx" ON "Run"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Run_createdAt_idx" ON "Run"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Model_jobId_key" ON "Model"("jobId");

-- CreateIndex
CREATE INDEX "Model_createdAt_idx" ON "Model"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Model_name_version_key" ON "Model"("name", "version");

-- AddForeignKey
ALTER TABLE "EpochMetric" ADD CONSTRAINT "EpochMetric_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EpochDiagnostic" ADD CONSTRAINT "EpochDiagnostic_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Model" ADD CONSTRAINT "Model_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Model" ADD CONSTRAINT "Model_baseModelId_fkey" FOREIGN KEY ("baseModelId") REFERENCES "Model"("id") ON DELETE SET NULL ON UPDATE CASCADE;
