/**
 * Type-level equality for the compile-time checks that tie the config schema to the component
 * types it parses into (schema.ts `SchemaMatchesComponents`).
 */

/**
 * `true` when A and B are the same type, `readonly` aside: the same fields (optional or not) with
 * the same types, all the way down.
 */
export type SameShape<A, B> =
  (<T>() => T extends DeepReadonly<A> ? 1 : 2) extends <T>() => T extends DeepReadonly<B> ? 1 : 2 ? true : false;

/** `true` when A is assignable to B. */
export type Assignable<A, B> = [A] extends [B] ? true : false;

/** T with every array and field readonly (for comparing values that are only read, like outputs). */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Compiles only for `true`: `Expect<SameShape<A, B>>`. */
export type Expect<T extends true> = T;
