// The one message for a LoRA adapter attached over another (model-arg.ts needNoLora, MistralModel.setLora): a module
// without imports, which both can use (model-arg.ts imports mistral.ts, so mistral.ts cannot import it).

/** Why a second adapter is refused, and how to remove or fold the first; the caller's UserError names the function. */
export const ADAPTER_ATTACHED = 'model already has a LoRA adapter: unloadAdapter(model) to remove it (its buffers freed; model.setLora(null) does the same) ' +
  'or mergeLora(model) to fold it into the weights first, or load another model for the second adapter';
