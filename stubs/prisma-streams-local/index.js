// `prisma dev` (Prisma's local development server) is the only user of this package; this
// project runs its own PostgreSQL (embedded or DATABASE_URL), so it never starts that server.
throw new Error('@prisma/streams-local is stubbed out in this project (it needs Node >= 22); `prisma dev` is not supported here');
