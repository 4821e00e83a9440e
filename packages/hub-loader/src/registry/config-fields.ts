// Checks on config.json fields the models here cannot honour: each is refused by name with
// what was asked and what is supported, instead of being dropped (a model that silently
// ignores `position_embedding_type: "relative_key"` computes wrong numbers).
import { ConfigError } from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';

/** The field at fault in a config.json, as an error the CLI prints. */
export function unsupportedConfigField(field: string, value: unknown, supported: string): ModelFolderError {
  return new ModelFolderError(
    'MODEL_CONFIG_UNSUPPORTED',
    `config.json field '${field}' is ${JSON.stringify(value)}, which this model cannot honour (supported: ${supported})`,
  );
}

/** Refuses `json[field]` unless it is absent (undefined/null) or one of `allowed`. */
export function requireOneOf(
  json: Record<string, unknown>,
  field: string,
  allowed: readonly unknown[],
): void {
  const value = json[field];
  if (value === undefined || value === null) return;
  if (!allowed.includes(value)) {
    throw unsupportedConfigField(field, value, allowed.map((v) => JSON.stringify(v)).join(', '));
  }
}

/** Runs nn's config parser, turning its ConfigError into a config.json error that names the fields. */
export function parseWith<C>(parse: (json: unknown) => C, json: Record<string, unknown>): C {
  try {
    return parse(json);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ModelFolderError('MODEL_CONFIG_INVALID', `config.json: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
