// @tensorlm/hub-loader: the owner of model folders, in both directions — Hugging Face
// layouts (config.json, safetensors, sharded, pytorch_model.bin through a restricted
// unpickler, tokenizer files), the architecture registry, the Hugging Face cache and
// Hub downloads, and savePretrained folders that `transformers` loads as they are.
export {};
