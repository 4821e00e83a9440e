// @tensorlm/decoding: text generation for causal language models.
export {};
