// mistral-tune export: a run's PEFT adapter as it is, a merged model folder for HF transformers, a merged
// model as one GGUF file for llama.cpp / Ollama / LM Studio (--format gguf), or the LoRA adapter alone as a
// GGUF adapter file for use beside a GGUF of the base model (--format gguf-lora). Its usage and the checks of its
// flags that read no file are export-flags.ts's, made before the export's thread and its library load.
import { missingOutputParent, removeStoppedExport } from '../export/out-path.ts';
import { releaseStoppedRunFolderLocks } from '../export/run-folder-lock.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { threadModule } from '../util/worker-boot.ts';
import { runOnThread } from './command-thread.ts';
import type { Flags } from './export-flags.ts';

export type { Flags }; // what export-thread.ts's exportCommand takes

/**
 * Runs the export (export-thread.ts) on a thread of its own (command-thread.ts): its work is synchronous, and this
 * thread stays free to hear Ctrl-C or SIGTERM, on which the export's thread is stopped, what it was writing removed,
 * and the process ends by that signal.
 */
export function run(f: Flags): Promise<void> {
  const first = f.out !== undefined ? missingOutputParent(f.out, FLAG_WORDS) : undefined;
  return runOnThread<void>(threadModule('export-thread', import.meta.url).href, 'exportCommand', f, {
    onStop: () => {
      if (f.out === undefined) return;
      removeStoppedExport(f.out, first);
      releaseStoppedRunFolderLocks(f.out);
    },
    onSecondStop: () => {
      if (f.out !== undefined) releaseStoppedRunFolderLocks(f.out);
    },
  });
}
