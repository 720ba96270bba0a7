/**
 * The manifest format, version 0 (conformance/manifest-v0.md), as a zod schema: the one place
 * that decides what a valid manifest is.
 *
 * Invariants: `conformance_version` is 0; step ids are unique within a manifest; unknown keys
 * are allowed and ignored (the format is additive), unknown ops are loaded and later skipped
 * with a reason by a runner or driver that does not know them; a `tail` step names a start
 * (`since`, `since_time` or `last`) because conformance tails stop when caught up, unless it
 * follows a durable `cursor` (which starts after what the cursor acked).
 */
import * as z from "zod";

/** How an error is expected: by kind, plus presence or value of its context fields. */
export const ErrorExpectSchema = z.looseObject({
  kind: z.string(),
  /** A substring of the message (messages are not a contract; use sparingly). */
  message: z.optional(z.string()),
  hint: z.optional(z.boolean()),
  path: z.optional(z.union([z.boolean(), z.string()])),
  seq: z.optional(z.union([z.boolean(), z.number()])),
  offset: z.optional(z.union([z.boolean(), z.number()])),
  /** A Conflict's newest seq (spec/api/v0 §7.2). */
  newest_seq: z.optional(z.union([z.boolean(), z.number()])),
  /** A producer's Conflict: the producer seq the pool expects next (spec/api/v0 §7.2). */
  expected_seq: z.optional(z.union([z.boolean(), z.number()])),
  /** A producer's Conflict: the producer's current epoch, when a stale epoch was fenced off. */
  epoch: z.optional(z.union([z.boolean(), z.number()])),
});

export const ExpectSchema = z.looseObject({
  /** A partial match on the normalised result (the step must succeed). */
  result: z.optional(z.unknown()),
  /** The step must fail like this. */
  error: z.optional(ErrorExpectSchema),
  /**
   * The exact normalised JSONL line of every envelope in the result, in order (times as
   * `<time>`): checks the stored bytes themselves, not their parsed value.
   */
  lines: z.optional(z.array(z.string())),
  /** Surface-specific status codes: `{"cli": 2, "http": 413}`. */
  codes: z.optional(z.record(z.string(), z.number())),
});

export const StepSchema = z.looseObject({
  id: z.string().min(1),
  op: z.string().min(1),
  pool: z.optional(z.unknown()),
  input: z.optional(z.record(z.string(), z.unknown())),
  expect: z.optional(ExpectSchema),
  /** Only these drivers run the step; the others skip it with a reason. */
  surfaces: z.optional(z.array(z.string())),
  /** Ids of earlier steps that must have run (not skipped, not failed) for this one to run. */
  requires: z.optional(z.array(z.string())),
  /** Per driver name, extra input only that surface understands: `{"http": {"token": null}}`. */
  surface_input: z.optional(z.record(z.string(), z.record(z.string(), z.unknown()))),
  /** Variables to set from the normalised result: `{"name": "message.seq"}`. */
  capture: z.optional(z.record(z.string(), z.string())),
  /** Compare `messages` of a tail as a multiset (concurrent writers): see manifest-v0.md. */
  unordered: z.optional(z.boolean()),
  note: z.optional(z.string()),
});

export const ManifestSchema = z.looseObject({
  conformance_version: z.literal(0),
  name: z.string().min(1),
  description: z.optional(z.string()),
  /** Per-surface session options, e.g. `{"http": {"max_body_bytes": 65536}}`. */
  surface_options: z.optional(z.record(z.string(), z.record(z.string(), z.unknown()))),
  steps: z.array(StepSchema).min(1),
});

export type ErrorExpect = z.infer<typeof ErrorExpectSchema>;
export type Expect = z.infer<typeof ExpectSchema>;
export type Step = z.infer<typeof StepSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;
