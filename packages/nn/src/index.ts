// @tensorlm/nn: PyTorch-style modules and layers, GPT and BERT with Hugging Face names,
// and state dicts in safetensors. Import a backend (e.g. @tensorlm/backend-cpu) to run.
// This is the Node entry: the browser entry (./index.browser.ts) plus files on disk.

export * from './index.browser.js';
export { loadSafetensors, openSafetensors, saveSafetensors, writeFileAtomic } from './io/fs.js';
