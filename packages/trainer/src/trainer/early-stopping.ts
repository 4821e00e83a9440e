// Best-validation tracking and early stopping: an evaluation is a new best when it beats
// the best so far by more than minDelta; training stops after `patience` evaluations in a
// row without one.

export interface BestState {
  bestValLoss: number | null;
  bestStep: number | null;
  evalsWithoutImprovement: number;
}

/** The state after an evaluation with validation loss `loss` at `step`, and whether it is a new best. */
export function trackBest(
  state: BestState,
  step: number,
  loss: number,
  minDelta: number,
): { state: BestState; isBest: boolean } {
  const isBest = state.bestValLoss === null || loss < state.bestValLoss - minDelta;
  return isBest
    ? { state: { bestValLoss: loss, bestStep: step, evalsWithoutImprovement: 0 }, isBest }
    : { state: { ...state, evalsWithoutImprovement: state.evalsWithoutImprovement + 1 }, isBest };
}

/** Whether `patience` evaluations passed without a new best (never without a patience). */
export function patienceExhausted(state: BestState, patience: number | undefined): boolean {
  return patience !== undefined && state.evalsWithoutImprovement >= patience;
}
