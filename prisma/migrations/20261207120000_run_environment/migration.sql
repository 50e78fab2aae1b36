-- What a run trained on (tfjs version, backend and its detail, digests of its dataset and spec), for replays.
ALTER TABLE "Run" ADD COLUMN "environment" JSONB;
