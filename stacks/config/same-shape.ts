/**
 * Type-level equality for the compile-time checks that tie the config schema to the component
 * types it parses into (schema.ts `SchemaMatchesComponents`).
 */

/** `true` when A and B are assignable both ways (the same fields and types; `readonly` aside). */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Compiles only for `true`: `Expect<SameShape<A, B>>`. */
export type Expect<T extends true> = T;
