// The public library API of mistral-tune: everything the CLI does, callable from TypeScript.
//
//   import { createBackend, loadModel, loadTokenizer, generate } from 'mistral-tune';
//   const model = loadModel('path/to/mistral', { backend: createBackend('cpu') });
//   const tok = loadTokenizer('path/to/mistral');
//   const ids = tok.encode(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true })); // the template writes <s>
//   console.log(tok.decode(generate(model, ids, { maxNewTokens: 32 })));

// backends
export type { Backend, DeviceBuffer, GemmSpec, AttentionShape, AdamWHyper, GateActivation, LoraGradUpSpec } from './backend/backend.ts';
export type { DType, Precision, HostData, ModelDTypes } from './backend/dtype.ts';
export { CpuBackend } from './backend/cpu/cpu-backend.ts';
export { createBackend, type DeviceName } from './backend/select.ts';

// model
export { loadConfig, parseConfig, parameterCount, type MistralConfig, type HiddenAct } from './model/config.ts';
export type { RopeScaling } from './model/rope-config.ts';
export type { LayerType } from './model/layer-types.ts';
export { loadModel, MistralModel, type LoadModelOptions, type ForwardHead, type LossResult, type ScoreHead } from './model/mistral.ts';
export type { KvCache } from './model/kv-cache.ts';
export type { Param } from './model/params.ts';
export { createRandomModel, type RandomInit } from './model/init.ts';
export { collate, IGNORE_INDEX, type Batch, type TokenRow, type RowLimits } from './data/batch.ts';
export { causalLmBackward, classificationBackward } from './model/backward.ts';
export { generate, stopIds, type GenerateOptions } from './model/generate.ts';
export type { SequenceBias } from './model/sequence-bias.ts';
export { generationSettings, readGenerationConfig, type GenerationConfigFile, type GenerationSettings, type GivenGenerationOptions } from './model/generation-config.ts';
export type { KindCheckedKey } from './model/generation-number-kinds.ts';
export { isClassificationOnly } from './model/task.ts';
export { createAdapter, loadAdapter, unloadAdapter, readAdapterInfo, type TaskType, type AdapterInfo } from './model/peft.ts';
export type { RankPatterns, ModuleRank } from './model/peft-patterns.ts';
export { saveAdapter, type SaveAdapterOptions } from './model/peft-save.ts';
export { mergeLora } from './model/merge.ts';
export { saveModelFolder, type SaveModelOptions, type FileDType } from './model/save.ts';
export { SafetensorsFile, writeSafetensors, type TensorInfo, type TensorToWrite, type SafeArray, type SafeDType, type StoredDType } from './model/safetensors.ts';
export { SafetensorsCheckpoint } from './model/safetensors-checkpoint.ts';
export type { LoraSpec, LoraAdapter, LoraBias, LoraPair, DoraPart } from './model/lora.ts';
export type { Projection } from './model/weights.ts';
export { Rng, type RngState } from './util/rng.ts';

// tokenizer
export { loadTokenizer, BUNDLED_TOKENIZER_DIR, type LoadTokenizerOptions, type EngineChoice } from './tokenizer/load.ts';
export type { LoadedTokenizer } from './tokenizer/tokenizer.ts';
export type { EngineName } from './tokenizer/engine.ts';
export type { Tokenizer, ChatMessage, ChatRole, TextRole, ChatTemplateOptions, TemplateMessage } from './tokenizer/types.ts';
export { encodePrompt, readMessagesFile, readPromptFile, type Prompt } from './tokenizer/prompt.ts';
export { createTextStream, type TextStream, type StreamTokenizer } from './tokenizer/stream.ts';

// data
export { prepare, type PrepareOptions, type PrepareResult, type DedupMode } from './data/prepare.ts';
export type { PrepareReport, SplitCounts } from './data/report.ts';
export type { SourceRole } from './data/sources.ts';
export type { WrittenFile } from './util/written-record.ts';
export type { DataRecord, Task, FieldMap, ChatTurn, Reason, Shape } from './data/record.ts';
export type { Format, TextSplit } from './data/ingest/types.ts';
export type { LabelValue, LabelSet } from './data/labels.ts';
export { loadTokenRows, type LoadRowsOptions, type LoadedRows } from './data/load-rows.ts';
export { tokenizeRecord, type TokenizeOptions, type TokenizedRecord } from './data/tokenize.ts';
export { DataLoader, type LoaderOptions, type LoaderPosition, type LoadedBatch } from './data/loader.ts';

// training, evaluation, export
export { loadTrainConfig, validate as validateTrainConfig, TrainConfigSchema, type TrainConfig } from './train/config.ts';
export { train, type TrainOptions, type TrainResult, type StepDone } from './train/trainer.ts';
export { trainAsync, type TrainAsyncOptions } from './train/train-async.ts';
export { AdamW, type AdamWConfig } from './train/optimizer.ts';
export { lrAtStep, type Schedule, type ScheduleKwargs, type ScheduleType, type WsdShape } from './train/schedule.ts';
export { evaluateLoss, lossReportJson, NonFiniteLossError, type LossReport, type EvaluateOptions } from './eval/evaluate.ts';
export { evaluateClassification, classificationMetrics, type ClassificationReport, type ClassificationMetrics, type ClassMetrics } from './eval/classification.ts';
export { resolveEvalTarget, modelTask, type EvalTarget, type EvalTargetOptions, type EvalTask } from './eval/target.ts';
export { exportRun, type ExportOptions, type ExportResult } from './export/export.ts';
export type { ExportKind } from './export/output-folder.ts';
export { exportMergedAdapter, type MergedAdapterOptions, type MergedAdapterResult } from './export/merge-adapter.ts';
export { exportGgufFile, type GgufFileOptions, type GgufFileResult, type GgufQuant } from './export/gguf/export-file.ts';
export { startDashboard, type DashboardOptions, type Dashboard } from './dashboard/server.ts';
export type { RunInfo } from './dashboard/run-watch.ts';
export type { ConnectionLimits } from './dashboard/connections.ts';
export { UserError, isUserError } from './util/errors.ts';
export { CudaError } from './backend/cuda/check.ts';
export { setQuiet } from './util/log.ts';
