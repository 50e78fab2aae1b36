import { findNodeAtLocation, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';

export interface TextRange {
  offset: number;
  length: number;
  line: number;
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** Where the field a JSON Pointer names sits in the text (its nearest existing parent when absent). */
export function locatePointer(text: string, pointer: string): TextRange | null {
  const root = parseTree(text);
  if (!root) return null;
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (let n = segments.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, segments.slice(0, n));
    if (!node) continue;
    // A property's value: point at the "key": value pair, which reads better than the value alone.
    const target = node.parent?.type === 'property' ? node.parent : node;
    return { offset: target.offset, length: target.length, line: lineAt(text, target.offset) };
  }
  return null;
}

/** JSON syntax errors with their line, or none. */
export function syntaxErrors(text: string): Array<{ message: string; range: TextRange }> {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  return errors.map((e) => ({
    message: printParseErrorCode(e.error),
    range: { offset: e.offset, length: Math.max(1, e.length), line: lineAt(text, e.offset) },
  }));
}
