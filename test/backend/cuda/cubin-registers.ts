// The registers a thread of each kernel of a cubin (an sm_XY ELF from NVRTC) uses, as ptxas recorded them: the
// EIATTR_REGCOUNT entries of the .nv.info section, each naming its kernel by symbol index. What cuFuncGetAttribute
// (CU_FUNC_ATTRIBUTE_NUM_REGS) says on a GPU, read here without one.

const EIFMT_SVAL = 0x04;
const EIATTR_REGCOUNT = 0x2f;

interface Section {
  name: string;
  offset: number;
  size: number;
  link: number;
}

function sections(elf: Buffer): Section[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) throw new Error('not a 64-bit ELF file');
  const shoff = Number(elf.readBigUInt64LE(0x28)), shentsize = elf.readUInt16LE(0x3a), shnum = elf.readUInt16LE(0x3c), shstrndx = elf.readUInt16LE(0x3e);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return { nameAt: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)), link: elf.readUInt32LE(at + 0x28) };
  });
  const names = raw[shstrndx]!.offset;
  return raw.map((s) => ({ name: cString(elf, names + s.nameAt), offset: s.offset, size: s.size, link: s.link }));
}

function cString(elf: Buffer, at: number): string {
  return elf.toString('latin1', at, elf.indexOf(0, at));
}

/**
 * Kernel name → the shared memory a block of it takes (its .nv.shared.NAME section's size: the static shared memory and,
 * on sm_80 and newer, the 1 KiB each block reserves, which ptxas -v leaves out), for each kernel that has any.
 */
export function kernelSharedBytes(cubin: Uint8Array): Map<string, number> {
  const prefix = '.nv.shared.';
  return new Map(sections(Buffer.from(cubin.buffer, cubin.byteOffset, cubin.byteLength))
    .filter((s) => s.name.startsWith(prefix)).map((s) => [s.name.slice(prefix.length), s.size]));
}

/** Kernel name → registers a thread, for every kernel of `cubin`. */
export function kernelRegisters(cubin: Uint8Array): Map<string, number> {
  const elf = Buffer.from(cubin.buffer, cubin.byteOffset, cubin.byteLength);
  const all = sections(elf);
  const symtab = all.find((s) => s.name === '.symtab'), info = all.find((s) => s.name === '.nv.info');
  if (!symtab || !info) throw new Error('a cubin without .symtab or .nv.info');
  const strtab = all[symtab.link]!.offset;
  const symbol = (i: number): string => cString(elf, strtab + elf.readUInt32LE(symtab.offset + 24 * i));
  const out = new Map<string, number>();
  for (let at = info.offset; at < info.offset + info.size;) {
    const format = elf[at]!, attribute = elf[at + 1]!;
    if (format !== EIFMT_SVAL) { // the other formats carry their value in the 2 bytes a size would take
      at += 4;
      continue;
    }
    const size = elf.readUInt16LE(at + 2);
    if (attribute === EIATTR_REGCOUNT) out.set(symbol(elf.readUInt32LE(at + 4)), elf.readUInt32LE(at + 8));
    at += 4 + size;
  }
  return out;
}

/** Whether `threads` threads of `registers` registers each fit one block's 64 Ki registers (allocated 256 a warp at a time). */
export function blockFitsRegisters(registers: number, threads: number): boolean {
  return registers <= 255 && Math.ceil(registers / 8) * 8 * 32 * Math.ceil(threads / 32) <= 65536;
}

/**
 * The blocks of `threads` threads, `registers` registers a thread and `sharedBytes` of shared memory each (its reserved
 * 1 KiB included, as kernelSharedBytes gives it) that one SM of sm_90 (H100, H200) holds at once, as the occupancy
 * query computes them: its 64 Ki registers (allocated 256 a warp at a time), 228 KiB of shared memory at the largest
 * carveout, 64 warps, 32 blocks.
 */
export function sm90BlocksPerSm(registers: number, threads: number, sharedBytes: number): number {
  const warps = Math.ceil(threads / 32);
  const byRegisters = Math.floor(65536 / (Math.ceil(registers * 32 / 256) * 256) / warps);
  const byShared = Math.floor(233472 / Math.max(1, sharedBytes));
  return Math.min(byRegisters, byShared, Math.floor(64 / warps), 32);
}
