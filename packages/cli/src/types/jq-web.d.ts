// Types for jq-web (jq compiled to WebAssembly), which ships none. Only what the CLI uses.
declare module "jq-web" {
  export interface JqError extends Error {
    exitCode?: number;
    stderr?: string;
  }
  export interface Jq {
    /** Runs jq like `printf %s INPUT | jq FLAGS FILTER`; returns stdout, throws on a non-zero exit. */
    raw(input: string, filter: string, flags?: string[]): string;
    json(input: unknown, filter: string): unknown;
  }
  const jq: Promise<Jq>;
  export default jq;
}
