import { Type, type TSchema } from 'typebox';
import { LiteralUnion } from './common.js';
import { DIAGNOSIS_RULES, WARNING_KINDS, type RuleEntry, type RuleKind } from '../core/diagnosis-catalog.js';

/** One rule's settings: its action, an off switch, and its own thresholds (from the rule module). */
function ruleSettings(kind: RuleKind, rule: RuleEntry) {
  const thresholds: Record<string, TSchema> = {};
  for (const [name, def] of Object.entries(rule.thresholds)) {
    thresholds[name] = Type.Optional(Type.Number({ minimum: def.minimum, maximum: def.maximum, description: def.description }));
  }
  return Type.Optional(
    Type.Object(
      {
        action: Type.Optional(
          Type.Union([Type.Literal('warn'), Type.Literal('stop')], {
            description: '`warn` (default) records the warning; `stop` also ends the job `failed` with its message',
          }),
        ),
        enabled: Type.Optional(Type.Boolean({ description: 'false turns the rule off (default true)' })),
        ...thresholds,
      },
      { additionalProperties: false, description: `Settings of the \`${kind}\` rule` },
    ),
  );
}

export const DiagnosticRules = Type.Object(
  Object.fromEntries(Object.entries(DIAGNOSIS_RULES).map(([kind, rule]) => [kind, ruleSettings(kind as RuleKind, rule)])),
  {
    additionalProperties: false,
    description: "Per-kind rule settings: `action` (warn | stop), `enabled`, and the rule's thresholds",
  },
);

const Evidence = Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]), {
  description: 'The measured numbers behind the warning (and the thresholds they crossed)',
});

export const JsonPatchOperation = Type.Union(
  [
    Type.Object(
      {
        op: Type.Union([Type.Literal('add'), Type.Literal('replace'), Type.Literal('test')], { description: 'RFC 6902 operation' }),
        path: Type.String({ maxLength: 500, description: 'JSON Pointer into the job spec' }),
        value: Type.Unknown({ description: 'The value to add, set or compare' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        op: Type.Literal('remove', { description: 'RFC 6902 operation' }),
        path: Type.String({ maxLength: 500, description: 'JSON Pointer into the job spec' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        op: Type.Union([Type.Literal('move'), Type.Literal('copy')], { description: 'RFC 6902 operation' }),
        from: Type.String({ maxLength: 500, description: 'JSON Pointer to take the value from' }),
        path: Type.String({ maxLength: 500, description: 'JSON Pointer into the job spec' }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'One RFC 6902 JSON Patch operation' },
);

export const JsonPatch = Type.Array(JsonPatchOperation, { maxItems: 1000, description: 'An RFC 6902 JSON Patch on the job spec' });

export const WarningFields = {
  id: Type.String({ description: 'Stable within the job: `<kind>:<layer or "model">`; name it in POST /jobs/{id}/retry `applyFixes`' }),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], { description: 'How much it hurts training' }),
  advice: Type.String({ description: "What to do, in the chapter's terms" }),
  evidence: Evidence,
  fix: Type.Union([JsonPatch, Type.Null()], { description: 'The remedy as an RFC 6902 JSON Patch on the job spec, or null' }),
};

/** A warning's kind, one of the catalog's. */
export const WarningKindSchema = LiteralUnion([...WARNING_KINDS], {
  description: 'The kind of problem (the diagnosis catalog; more may be added in later versions)',
});
