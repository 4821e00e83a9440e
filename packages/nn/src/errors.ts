// Errors @tensorlm/nn throws: `NnError` for misuse of modules (a meta parameter read, a
// state dict that does not fit), `ConfigError` for a bad config, naming every bad field.

export class NnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NnError';
  }
}

export class ConfigError extends NnError {
  /** The offending fields as dotted paths (`nEmbd`, `dropout.p`). */
  readonly fields: readonly string[];

  constructor(what: string, issues: readonly { path: string; message: string }[]) {
    super(`invalid ${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.fields = issues.map((i) => i.path);
  }
}
