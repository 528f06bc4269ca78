// The Python that tests run torch in (test/fixtures/variants/mistral_torch.py reading what we wrote), or the reason there
// is none, for { skip }: $PYTHON where it is set (as for the tests that need transformers and peft, e.g.
// PYTHON=/tmp/hfvenv/bin/python), else Debian's /usr/bin/python3 (python3-torch). One that cannot import torch counts as
// none: those tests skip naming it, rather than fail at their first import.
import { spawnSync } from 'node:child_process';

/** $PYTHON, else /usr/bin/python3. */
export const TORCH_PY: string = process.env.PYTHON ?? '/usr/bin/python3';
/** For a test's { skip }: false where TORCH_PY imports torch, else the reason. */
export const NO_TORCH: string | false = spawnSync(TORCH_PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0
  ? false : `${TORCH_PY} has no torch (set PYTHON to a Python with torch)`;
