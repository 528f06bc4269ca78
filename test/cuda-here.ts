// The skip reason of tests that check a machine without CUDA. Its own module, not helpers.ts: the probe (loading the
// CUDA bindings, then looking for a driver) cost every test file that imports helpers.ts ≈50 ms of CPU, for 5 that use it.
import { probeCuda } from '../src/backend/cuda/probe.ts';

/** The skip reason of tests that check a machine without CUDA, where a GPU and its driver are here; else false. */
export const CUDA_GPU_HERE: string | false = probeCuda().available ? 'a CUDA GPU is present here: this checks a machine without one' : false;
