/**
 * Staircase on Temporal: Kubernetes operators as step-based reconcilers that run durably on Temporal.
 *
 * @packageDocumentation
 */
export {
  ALL_SEARCH_ATTRIBUTE_KEYS,
  type AnySearchAttributeKey,
  SEARCH_ATTRIBUTES,
} from './core/search-attributes.js';
