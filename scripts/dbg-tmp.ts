import { checkSelfNormalization } from '../src/training/selu-check.js';
import { HEALTHY } from '../test/support/diagnosis-corpus.js';
for (const r of HEALTHY) console.log(r.name, checkSelfNormalization(r.spec).length);
