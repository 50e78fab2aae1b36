import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;

/** A Prisma client on the given database and schema (tests use a schema each). */
export function createPrisma(url: string, schema: string): Db {
  const adapter = new PrismaPg({ connectionString: url, max: 10 }, { schema });
  return new PrismaClient({ adapter });
}
