// `@tensorlm/tensor-core/errors`: the error base and the zod helper alone, without the
// tensor library (no backend registry, no op side effects). Packages that need nothing
// else from tensor-core (tokenizers) import their error base from here.
export { TensorError, TensorlmError } from './errors.js';
export {
  type FieldIssue,
  formatFieldIssues,
  formatFieldPath,
  formatZodIssues,
  MAX_LISTED_ISSUES,
  parseOrThrow,
  type ZodIssueOptions,
  zodFieldIssues,
} from './zod-issues.js';
