-- CreateTable
CREATE TABLE "Checkpoint" (
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "phase" TEXT NOT NULL,
    "phaseStart" INTEGER NOT NULL,
    "modelSpecs" JSONB NOT NULL,
    "modelData" BYTEA NOT NULL,
    "optimizerSpecs" JSONB NOT NULL,
    "optimizerData" BYTEA NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Checkpoint_pkey" PRIMARY KEY ("runId")
);

-- AddForeignKey
ALTER TABLE "Checkpoint" ADD CONSTRAINT "Checkpoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
