-- AlterTable: the job a retried job was made from (POST /jobs/:id/retry); no foreign key, so
-- deleting the original leaves its retries intact.
ALTER TABLE "Run" ADD COLUMN "retryOf" UUID;
