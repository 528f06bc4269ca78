// Kernel arguments for cuLaunchKernel: each value packed into its own little buffer with the C type's
// layout, so that kernelParams (void **) is an array of pointers to them.
import type { DevicePtr } from './driver.ts';

export type KernelArg =
  | { kind: 'ptr'; value: DevicePtr }
  | { kind: 'i32' | 'u32' | 'f32'; value: number }
  | { kind: 'i64'; value: bigint }
  | { kind: 'f64'; value: number };

export const ptr = (value: DevicePtr): KernelArg => ({ kind: 'ptr', value });
export const i32 = (value: number): KernelArg => ({ kind: 'i32', value });
export const u32 = (value: number): KernelArg => ({ kind: 'u32', value });
export const f32 = (value: number): KernelArg => ({ kind: 'f32', value });
export const i64 = (value: bigint | number): KernelArg => ({ kind: 'i64', value: BigInt(value) });
export const f64 = (value: number): KernelArg => ({ kind: 'f64', value });

/** One buffer per argument, little-endian, in the kernel's parameter order. */
export function packKernelArgs(args: KernelArg[]): Buffer[] {
  return args.map((a) => {
    switch (a.kind) {
      case 'ptr': {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(a.value);
        return b;
      }
      case 'i64': {
        const b = Buffer.alloc(8);
        b.writeBigInt64LE(a.value);
        return b;
      }
      case 'f64': {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(a.value);
        return b;
      }
      case 'i32': {
        if (!Number.isInteger(a.value) || a.value < -(2 ** 31) || a.value >= 2 ** 31) throw new RangeError(`kernel argument ${a.value} is not an int32`);
        const b = Buffer.alloc(4);
        b.writeInt32LE(a.value);
        return b;
      }
      case 'u32': {
        if (!Number.isInteger(a.value) || a.value < 0 || a.value >= 2 ** 32) throw new RangeError(`kernel argument ${a.value} is not a uint32`);
        const b = Buffer.alloc(4);
        b.writeUInt32LE(a.value);
        return b;
      }
      case 'f32': {
        const b = Buffer.alloc(4);
        b.writeFloatLE(a.value);
        return b;
      }
    }
  });
}
