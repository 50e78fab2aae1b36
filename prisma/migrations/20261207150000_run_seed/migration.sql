-- The seed a run used, kept beside the spec it comes from so job listings can show it without
-- reading the spec (a large column). fit.seed is a non-negative integer, exact in a double below 2^53.
ALTER TABLE "Run" ADD COLUMN "seed" DOUBLE PRECISION GENERATED ALWAYS AS ((spec -> 'fit' ->> 'seed')::double precision) STORED;
