-- The seed a study ran with (given or chosen), so its trials can be told apart from and replayed; null for older studies.
ALTER TABLE "Study" ADD COLUMN "seed" INTEGER;
