// See index.js: only `prisma dev` uses this package, and this project never runs it.
throw new Error('@prisma/streams-local is stubbed out in this project (it needs Node >= 22); `prisma dev` is not supported here');
