/** Writes openapi/openapi.json from the route schemas (`npm run openapi`). */
import fs from 'node:fs/promises';
import { OPENAPI_PATH, openapiDocument } from './openapi-document.js';

const doc = await openapiDocument();
await fs.writeFile(OPENAPI_PATH, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`wrote ${OPENAPI_PATH.pathname}`);
