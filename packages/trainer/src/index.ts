// @tensorlm/trainer: optimizers, schedules and the training loop.
export {};
