// What a load did to the checkpoint's names, never silently: tensors renamed (and by which
// rule), tensors not loaded (and why), parameters filled through a tie. `formatLoadReport`
// folds it into a few lines for the CLI.

export interface WeightsReport {
  /** The registered architecture that was built. */
  architecture: string;
  /** The weights file or shard index read. */
  weights: string;
  /** The dtypes the file stores (F16 / BF16 are converted to float32). */
  storedDtypes: string[];
  renamed: { from: string; to: string; reason: string }[];
  ignored: { key: string; reason: string }[];
  /** Model keys filled through a tied parameter (`lm_head.weight` from `transformer.wte.weight`). */
  tied: { key: string; from: string }[];
}

export interface LoadReport extends WeightsReport {
  /** How the source was found. */
  source: 'folder' | 'run' | 'hub' | 'files';
  /** The folder the files were read from. */
  folder: string;
}

/** The report as short lines: one per rename rule and per ignore reason, with counts and an example. */
export function formatLoadReport(report: WeightsReport): string[] {
  const lines: string[] = [];
  const grouped = (items: { reason: string; example: string }[]) => {
    const byReason = new Map<string, string[]>();
    for (const { reason, example } of items) byReason.set(reason, [...(byReason.get(reason) ?? []), example]);
    return byReason;
  };
  for (const [reason, examples] of grouped(
    report.renamed.map((r) => ({ reason: r.reason, example: `${r.from} → ${r.to}` })),
  )) {
    lines.push(
      `renamed ${examples.length} tensor${examples.length > 1 ? 's' : ''} (${reason}), e.g. ${examples[0]}`,
    );
  }
  for (const [reason, keys] of grouped(report.ignored.map((i) => ({ reason: i.reason, example: i.key })))) {
    lines.push(`ignored ${keys.length} tensor${keys.length > 1 ? 's' : ''}: ${reason}, e.g. ${keys[0]}`);
  }
  for (const { key, from } of report.tied) lines.push(`tied ${key} to ${from}`);
  const converted = report.storedDtypes.filter((d) => d === 'F16' || d === 'BF16' || d === 'F64');
  if (converted.length > 0) lines.push(`converted ${converted.join(', ')} tensors to float32`);
  return lines;
}
