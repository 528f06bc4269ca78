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
