/** A start-up the configuration forbids (e.g. auth off on a public HOST): a message, not a stack trace. */
export class StartRefused extends Error {}
