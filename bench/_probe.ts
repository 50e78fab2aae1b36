import { apiRatios } from './service.js';
const rows = await apiRatios(5, 1);
for (const r of rows) console.log(r.name, (r.ratio * 100).toFixed(1) + '%', Math.round(r.rps[0]), Math.round(r.helloRps[0]), 'non2xx', r.non2xx);
process.exit(0);
