import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The typed search attributes every Staircase workflow sets, so the Temporal UI and `staircase status` can filter
 * resources by kind, namespace, name, phase and current step.
 *
 * Caveats: custom search attributes must be registered on the Temporal namespace before a workflow uses them
 * (the dev environment does this at start; production clusters need `temporal operator search-attribute create`).
 */
export const SEARCH_ATTRIBUTES = {
  kind: defineSearchAttributeKey('StaircaseKind', SearchAttributeType.KEYWORD),
  namespace: defineSearchAttributeKey('StaircaseNamespace', SearchAttributeType.KEYWORD),
  name: defineSearchAttributeKey('StaircaseName', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('StaircasePhase', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('StaircaseStep', SearchAttributeType.KEYWORD),
} as const;

/** A typed search attribute key of any type (the SDK does not export its key type by name). */
export type AnySearchAttributeKey = ReturnType<typeof defineSearchAttributeKey>;

/** Every Staircase search attribute key, for registration. */
export const ALL_SEARCH_ATTRIBUTE_KEYS: readonly AnySearchAttributeKey[] = Object.values(SEARCH_ATTRIBUTES);
